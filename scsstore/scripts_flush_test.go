package scsstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// Redis forgets its scripts on a restart or a failover to a fresh
// replica. Every operation loads the script it needs and goes on: a
// create, a load, a delta commit, a renewal (delete, handover, index
// step), a field read, log out everywhere and a logout, each right after
// the script cache was emptied.
func TestEveryOperationSurvivesAScriptFlush(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		userRoutes(f)
		flush := func() { redistest.FlushScripts(t, f.b.Client) }
		phone, laptop := &browser{}, &browser{}
		flush()
		f.do(0, phone, "/login?u=ada")
		f.do(1, laptop, "/login?u=ada")
		flush()
		body, _ := f.do(1, phone, "/get?k=user_id")
		assert.Equal(t, "ada", body, "a load")
		flush()
		f.do(0, phone, "/put?cart=apple")
		assert.Equal(t, "apple", f.stored(phone)["cart"], "a delta commit")
		flush()
		f.do(1, phone, "/renew")
		body, _ = f.do(0, phone, "/get?k=cart")
		assert.Equal(t, "apple", body, "a renewal")
		flush()
		v, err := f.inst[0].store.Fields(phone.token()).Get(ctx, "cart").StringE()
		require.NoError(t, err)
		assert.Equal(t, "apple", v, "a field read")
		flush()
		n, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", phone.token())
		require.NoError(t, err)
		assert.Equal(t, 1, n, "log out everywhere else")
		flush()
		f.do(0, phone, "/destroy")
		assert.Empty(t, f.sessions(), "a logout")
		body, _ = f.do(1, laptop, "/get?k=user_id")
		assert.Empty(t, body, "the other device stays logged out")
	}, scsstore.WithUserKey("user_id"))
}
