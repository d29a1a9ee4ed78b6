// Package scsstore is a session store for github.com/alexedwards/scs/v2
// that keeps each session as one Redis hash with sliding expiry.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}) // or a Cluster / failover client
//	store := scsstore.New(rdb)
//	sessionManager := scs.New()
//	sessionManager.Store = store
//	sessionManager.Codec = store.Codec() // scs.GobCodec unless WithCodec
//
// It works with scs's default GobCodec. WithCodec(scsstore.Codec{}) is a
// faster codec that carries values already in their stored form, so each
// value is encoded and decoded once instead of twice.
//
// # What it guarantees
//
// Every guarantee holds across app instances sharing one Redis (or
// Sentinel, or Cluster), behind http.TimeoutHandler and for clients that
// disconnect: what a commit needs travels with the request's own session
// data or lives in Redis, never in process memory.
//
//   - One round trip per load (one script reads the hash and slides its
//     expiry by the session's own window) and per commit (one atomic
//     script).
//   - Delta commits: only the values a request changed are written and only
//     the ones it removed are deleted, so concurrent requests of one user
//     that change different keys never erase each other's changes, and a
//     read-only request under IdleTimeout writes nothing.
//   - No resurrection: Destroy, RenewToken, Delete and
//     DeleteUserSessions leave a tombstone at the key, and every commit
//     needs a live hash, so no request in flight anywhere (including
//     Clear, MergeSession and manual Commit) brings the session back; a
//     renewal or merge moves a session's values only if its own delete
//     ended that session alive.
//   - Log out everywhere: with WithUserKey, DeleteUserSessions ends every
//     session of a user, also those created or renewed while it runs.
//   - Limits (WithLimits) are checked in the script that writes, so
//     parallel requests cannot together pass them.
//   - Sliding expiry: loading a session sets its TTL to min(now + idle
//     window, Lifetime deadline); every key always has a TTL, and an expiry
//     in the past deletes the key.
//   - Only tokens in scs's format name keys (WithTokenValidator admits
//     custom ones); Find of anything else is "not found", Delete a no-op.
//   - Commits and deletes are not aborted by a disconnecting client.
//   - Fields(token) reads or writes one value straight from Redis.
//
// The layout of the hash is documented in package hashcodec. Sessions are
// stored under DefaultPrefix ("scs:hash:") unless WithPrefix says
// otherwise.
package scsstore
