package gorillastore_test

// Attacks on "log out everywhere" through gorilla (from a red team of
// issue 13). Each test states the interleaving it forces and what must
// hold. Interleavings are forced with go-redis hooks (gates, injected
// failures), never with sleeps.

import (
	"context"
	"net/http"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// The revoking instance's connection drops right after index_revoke
// answered: the deletes fail, DeleteUserSessions reports the error ("call
// it again"), and the entries stay marked revoked, so the retry ends the
// sessions and the stolen device is logged out.
func TestARevocationThatFailsIsFinishedByTheNext(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		phone, laptop := &browser{}, &browser{}
		f.do(0, phone, "/put?user_id=ada")
		f.do(0, laptop, "/put?user_id=ada")
		require.Len(t, f.aliveOf("ada"), 2)
		redistest.FailOnce(f.inst[1].client, redistest.Script(scripts.Delete))   // the deletes' pipeline
		redistest.FailOnce(f.inst[1].client, redistest.Script(scripts.IndexAdd)) // the put-back
		_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", f.id(phone))
		require.Error(t, err)

		n, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", f.id(phone)) // the retry
		require.NoError(t, err)
		t.Logf("retry ended %d sessions", n)
		assert.Equal(t, []string{f.id(phone)}, f.aliveOf("ada"), "only the excepted session lives")
		body, _ := f.do(0, laptop, "/get?k=user_id")
		assert.Empty(t, body, "the stolen device is logged out")
	}, bindByUserID)
}

// RegenerateID deletes the old key first and writes the new one only
// after; the old entry is removed only after that. If the delete fails once
// (RegenerateID returns the error, the cookie is not re-issued), the old
// session is still bound and indexed, and log out everywhere ends it.
func TestRegenerateIDWhoseDeleteFailsLeavesNoUnindexedSession(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		var regenErr error
		f.handle("/regenerate-tolerant", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			s.Values["step"] = "2fa"
			regenErr = in.store.RegenerateID(r, w, s)
		})
		phone, laptop := &browser{}, &browser{}
		f.do(1, phone, "/put?user_id=ada")
		f.do(0, laptop, "/put?user_id=ada")
		old := f.id(laptop)
		redistest.FailOnce(f.inst[0].client, redistest.Script(scripts.Delete, f.inst[0].store.KeyPrefix+old))
		f.do(0, laptop, "/regenerate-tolerant")
		require.Error(t, regenErr, "the regeneration reports the failed delete")
		require.Equal(t, old, f.id(laptop), "the browser keeps the old ID")

		list, err := f.inst[1].store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		var listed []string
		for _, s := range list {
			listed = append(listed, s.Token)
		}
		t.Logf("old ID listed by UserSessions: %v; old ID alive: %v", contains(listed, old), contains(f.aliveOf("ada"), old))

		_, err = f.inst[1].store.DeleteUserSessions(ctx, "ada", f.id(phone))
		require.NoError(t, err)
		assert.Equal(t, []string{f.id(phone)}, f.aliveOf("ada"), "only the excepted session lives")
		body, _ := f.do(1, laptop, "/get?k=user_id")
		assert.Empty(t, body, "the laptop is logged out")
	}, bindByUserID)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A login's index step adds its entry; a listing on another instance sees
// the entry before the session is written. Listings prune nothing (only a
// passed cover does), so the live, bound session keeps its entry and the
// next revocation ends it.
func TestAListingRacingALoginKeepsItsEntry(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		userRoutes(f)
		laptop := &browser{}
		f.do(0, laptop, "/put?theme=dark") // anonymous
		gate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Create))
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, laptop, "/login?u=ada") }()
		<-gate.Arrived
		_, err := f.inst[1].store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		gate.Release()
		<-done
		require.Len(t, f.aliveOf("ada"), 1, "the login succeeded")

		_, err = f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		assert.Empty(t, f.aliveOf("ada"), "a login complete before the revocation must be ended")
		body, _ := f.do(1, laptop, "/get?k=user_id")
		assert.Empty(t, body, "the laptop is logged out")
	}, bindByUserID)
}

// A single-value write through store.Fields of the user key would change
// whose session it is to the app without rebinding it (the new user's
// revocation would miss it): Fields refuses it with ErrReadOnly; a commit
// rebinds, and the revocation then ends the session.
func TestFieldsCannotRebindTheUserKey(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		var setErr error
		f.handle("/switch", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			h := in.store.Fields(s)
			setErr = h.Set(context.WithoutCancel(r.Context()), "user_id", "bob") // (the "client cancels" setup cancels r.Context())
			require.NoError(t, h.Set(context.WithoutCancel(r.Context()), "theme", "dark"), "other keys stay writable")
		})
		laptop := &browser{}
		f.do(0, laptop, "/put?user_id=ada")
		f.do(0, laptop, "/switch")
		require.ErrorIs(t, setErr, hashcodec.ErrReadOnly, "the user key is changed by a save or BindUser, which rebind")
		body, _ := f.do(1, laptop, "/get?k=user_id")
		require.Equal(t, "ada", body)
		f.do(1, laptop, "/put?user_id=bob") // the way to switch: a save rebinds
		_, err := f.inst[1].store.DeleteUserSessions(ctx, "bob", "")
		require.NoError(t, err)
		body, _ = f.do(1, laptop, "/get?k=user_id")
		assert.Empty(t, body, "bob is logged out everywhere")
	}, bindByUserID)
}
