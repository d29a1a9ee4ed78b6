package scsstore_test

// Races against "log out everywhere" (from a red team of issue 13) that
// held from the start, kept as regression tests. Each forces one
// interleaving with a gate.

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
	"github.com/redis-session/redis-session-go/scsstore"
)

// BindUser of a session already bound to the user, whose cover runs short
// (so BindUser extends it: a 'continue'), held at its index step while the
// user is logged out everywhere: the extension is refused, BindUser says
// the session is gone, and nothing of it lives.
func TestBindUserRacingLogOutEverywhere(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0])
		f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.sm.RenewToken(r.Context()))
			in.sm.Put(r.Context(), "authenticated", "1")
		})
		laptop := &browser{}
		f.do(0, laptop, "/login")
		require.NoError(t, f.inst[0].store.BindUser(ctx, laptop.token(), "ada"))
		require.NoError(t, b.Client.HSet(ctx, f.key(laptop.token()), "#uexp", time.Now().Add(time.Hour).UnixMilli()).Err())
		gate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.IndexAdd))
		errc := make(chan error, 1)
		go func() { errc <- f.inst[0].store.BindUser(ctx, laptop.token(), "ada") }()
		<-gate.Arrived
		_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		gate.Release()
		assert.ErrorIs(t, <-errc, hashcodec.ErrNotFound)
		assert.Empty(t, f.aliveOf("ada"))
		body, _ := f.do(1, laptop, "/get?k=authenticated")
		assert.Empty(t, body)
	})
}

// An Iterate job (scs's Iterate over the store) that changes every session
// and commits, held before its commit of the user's session while the
// user is logged out everywhere: it writes nothing and revives nothing.
func TestIterateJobRacingLogOutEverywhere(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"))
		userRoutes(f)
		laptop := &browser{}
		f.do(0, laptop, "/login?u=ada")
		in := f.inst[0]
		gate := redistest.PauseAt(in.client, redistest.Script(scripts.Commit, f.key(laptop.token())))
		done := make(chan error, 1)
		go func() {
			done <- in.sm.Iterate(ctx, func(c context.Context) error {
				in.sm.Put(c, "migrated", "1")
				_, _, err := in.sm.Commit(c)
				return err
			})
		}()
		<-gate.Arrived
		_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		gate.Release()
		require.NoError(t, <-done)
		assert.Empty(t, f.aliveOf("ada"))
		assert.False(t, redistest.Live(t, b.Client, f.key(laptop.token())))
	})
}

// A request rebinding a session of ada to bob (an account switch without
// renewal), held after its index step while ada is logged out everywhere:
// the session was ada's when the revocation listed it, and nothing of ada
// lives afterwards.
func TestRebindingRacingTheOldUsersRevocation(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"))
		userRoutes(f)
		laptop := &browser{}
		f.do(0, laptop, "/login?u=ada")
		gate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Commit, f.key(laptop.token())))
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, laptop, "/put?user_id=bob") }()
		<-gate.Arrived
		_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		gate.Release()
		<-done
		assert.Empty(t, f.aliveOf("ada"))
		assert.Empty(t, f.aliveOf("bob"), "the session was ended by ada's revocation before it was rebound")
	})
}

// Two revocations of one user at once (no failures): together they leave
// only the excepted session, and both succeed.
func TestTwoRevocationsAtOnce(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"))
		userRoutes(f)
		phone, laptop, tablet := &browser{}, &browser{}, &browser{}
		for _, br := range []*browser{phone, laptop, tablet} {
			f.do(0, br, "/login?u=ada")
		}
		held := redistest.PauseAt(f.inst[1].client, redistest.Script(scripts.Delete))
		first := make(chan error, 1)
		go func() {
			_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", phone.token())
			first <- err
		}()
		<-held.Arrived
		_, err := f.inst[0].store.DeleteUserSessions(ctx, "ada", phone.token())
		require.NoError(t, err)
		held.Release()
		require.NoError(t, <-first)
		assert.Equal(t, []string{phone.token()}, f.aliveOf("ada"))
	})
}

// Log out everywhere else under HashTokenInStore, racing a renewal of
// another device at its index step: only the excepted session lives.
func TestHashTokenInStoreRenewalRacingLogOutEverywhere(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"), scsstore.WithHashedTokens())
		for _, in := range f.inst {
			in.sm.HashTokenInStore = true
		}
		userRoutes(f)
		phone, laptop := &browser{}, &browser{}
		f.do(1, phone, "/login?u=ada")
		f.do(0, laptop, "/login?u=ada")
		gate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.IndexAdd))
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, laptop, "/renew") }()
		<-gate.Arrived
		_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", phone.token())
		require.NoError(t, err)
		gate.Release()
		<-done
		require.Len(t, f.aliveOf("ada"), 1)
		body, _ := f.do(1, laptop, "/get?k=user_id")
		assert.Empty(t, body)
		body, _ = f.do(0, phone, "/get?k=user_id")
		assert.Equal(t, "ada", body)
	})
}
