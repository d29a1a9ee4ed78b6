package scsstore_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// inFlight starts a request whose handler runs body and then blocks until
// the test releases it; it returns once the handler is blocked, i.e. after
// the session was loaded and before it is committed.
func inFlight(a *app, br *browser, path string, body func(r *http.Request)) (release func()) {
	g := redistest.NewGate()
	a.handle(path, func(w http.ResponseWriter, r *http.Request) {
		body(r)
		g.Wait()
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.do(br, path)
	}()
	<-g.Arrived
	return func() {
		g.Release()
		wg.Wait()
	}
}

// cookieOnly is a second tab: same cookie, but its own requests.
func cookieOnly(br *browser) *browser { return &browser{cookie: br.token()} }

func TestConcurrentRequestsChangingDifferentKeysBothSurvive(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			br := &browser{}
			a.do(br, "/put?user=7")

			// Tab A loads, adds an apple, and is still working when tab B
			// loads, adds a pear and commits. Then A commits.
			release := inFlight(a, cookieOnly(br), "/slow-apple", func(r *http.Request) { a.sm.Put(r.Context(), "apple", "1") })
			_, code := a.do(cookieOnly(br), "/put?pear=1")
			require.Equal(t, http.StatusOK, code)
			release()

			raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
			assert.Equal(t, "1", raw["apple"], "A's change")
			assert.Equal(t, "1", raw["pear"], "B's change survives A's later commit")
			assert.Equal(t, "7", raw["user"])
			assert.Empty(t, a.errors())
		})
	})
}

func TestReadOnlyRequestUnderIdleTimeoutWritesOnlyTheExpiry(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			a.sm.IdleTimeout = time.Hour // scs re-commits every loaded session
			br := &browser{}
			a.do(br, "/put?cart=empty")
			key := a.key(br.token())

			require.NoError(t, b.Client.PExpire(ctx, key, time.Minute).Err())
			release := inFlight(a, cookieOnly(br), "/slow-read", func(r *http.Request) { a.sm.GetString(r.Context(), "cart") })
			requireTTL(t, a, key, time.Hour)                                // its load slid the expiry
			a.do(cookieOnly(br), "/put?cart=apple")                         // a concurrent write through scs
			require.NoError(t, b.Client.HSet(ctx, key, "other", "x").Err()) // and one from outside
			release()

			raw := b.Client.HGetAll(ctx, key).Val()
			assert.Equal(t, "apple", raw["cart"], "the read-only request did not write its stale cart back")
			assert.Equal(t, "x", raw["other"])
			requireTTL(t, a, key, time.Hour)
		})
	})
}

func TestRemovedKeysAreDeletedAndOthersKept(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.handle("/remove", func(w http.ResponseWriter, r *http.Request) { a.sm.Remove(r.Context(), "coupon") })
		br := &browser{}
		a.do(br, "/put?coupon=SAVE10&user=7")
		release := inFlight(a, cookieOnly(br), "/slow-remove", func(r *http.Request) { a.sm.Remove(r.Context(), "coupon") })
		a.do(cookieOnly(br), "/put?theme=dark")
		release()
		raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
		assert.NotContains(t, raw, "coupon")
		assert.Equal(t, "dark", raw["theme"])
		assert.Equal(t, "7", raw["user"])
	})
}

func TestNoResurrectionAfterDestroy(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			for name, body := range map[string]func(a *app, r *http.Request){
				"read-only under IdleTimeout": func(a *app, r *http.Request) { a.sm.GetString(r.Context(), "user") },
				"writing":                     func(a *app, r *http.Request) { a.sm.Put(r.Context(), "last", "page") },
			} {
				t.Run(name, func(t *testing.T) {
					a := newApp(t, b, opts...)
					a.sm.IdleTimeout = time.Hour
					br := &browser{}
					a.do(br, "/put?user=7")
					old := br.token()

					release := inFlight(a, cookieOnly(br), "/slow", func(r *http.Request) { body(a, r) })
					a.do(br, "/destroy") // logout
					require.Empty(t, a.sessionKeys())
					release()

					assert.Empty(t, a.sessionKeys(), "the in-flight request did not bring the session back")
					body, _ := a.do(&browser{cookie: old}, "/get?k=user")
					assert.Empty(t, body, "the logged-out cookie does not work again")
					assert.Empty(t, a.errors())
				})
			}
		})
	})
}

func TestRenewTokenLeavesExactlyOneCompleteKey(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			a.sm.IdleTimeout = time.Hour
			a.handle("/login", func(w http.ResponseWriter, r *http.Request) {
				require.NoError(t, a.sm.RenewToken(r.Context()))
				a.sm.Put(r.Context(), "user", 7)
			})
			br := &browser{}
			a.do(br, "/put?cart=apple&theme=dark")
			old := br.token()

			release := inFlight(a, cookieOnly(br), "/slow", func(r *http.Request) { a.sm.GetString(r.Context(), "cart") })
			a.do(br, "/login")
			release()

			require.NotEqual(t, old, br.token())
			keys := a.sessionKeys()
			require.Len(t, keys, 1, "only the renewed key exists")
			assert.Equal(t, a.key(br.token()), keys[0])
			raw := b.Client.HGetAll(ctx, keys[0]).Val()
			assert.Equal(t, "apple", raw["cart"])
			assert.Equal(t, "dark", raw["theme"])
			assert.Equal(t, "7", raw["user"])
			body, _ := a.do(&browser{cookie: old}, "/get?k=cart")
			assert.Empty(t, body, "the old token is dead")
			requireAllHaveTTL(t, a)
		})
	})
}

func TestConcurrentTabsOfOneUserLoseNothing(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.sm.IdleTimeout = time.Hour
		br := &browser{}
		a.do(br, "/put?user=7")
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(2)
			go func() { defer wg.Done(); a.do(cookieOnly(br), "/put?item"+string(rune('a'+i))+"=1") }()
			go func() { defer wg.Done(); a.do(cookieOnly(br), "/get?k=user") }()
		}
		wg.Wait()
		raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
		for i := 0; i < 20; i++ {
			assert.Equal(t, "1", raw["item"+string(rune('a'+i))], "item %d", i)
		}
		assert.Empty(t, a.errors())
	})
}

// scs allows several commits per request (issue #62); for a session the
// request created, the later ones must not erase what was written between.
func TestRepeatedCommitsOfANewSessionInOneRequest(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			a.handle("/start", func(w http.ResponseWriter, r *http.Request) {
				c := r.Context()
				a.sm.Put(c, "since", "now")
				token, _, err := a.sm.Commit(c)
				require.NoError(t, err)
				_, err = a.store.Fields(token).Incr(c, "visits", 1)
				require.NoError(t, err)
				a.sm.Put(c, "theme", "dark")
				// the middleware commits again after this
			})
			br := &browser{}
			a.do(br, "/start")
			raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
			assert.Equal(t, "1", raw["visits"], "the field written between the commits survives")
			assert.Equal(t, "dark", raw["theme"])
			assert.Equal(t, "now", raw["since"])
			assert.Empty(t, a.errors())
		})
	})
}

// Clear removes every value, the store's loaded state included; a request
// that cleared the session while another logged out must still not bring
// it back, and without a logout the cleared session lives on with its
// metadata (found in review).
func TestClearDoesNotResurrect(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			clearAndPut := func(r *http.Request) {
				require.NoError(t, a.sm.Clear(r.Context()))
				a.sm.Put(r.Context(), "flash", "bye")
			}
			br := &browser{}
			a.do(br, "/put?user=alice&cart=apple")
			release := inFlight(a, cookieOnly(br), "/slow-clear", clearAndPut)
			a.do(br, "/destroy")
			release()
			assert.Empty(t, a.sessionKeys(), "the logged-out session stays gone")

			br = &browser{}
			a.do(br, "/put?user=bob")
			created := b.Client.HGet(ctx, a.key(br.token()), "#created").Val()
			a.handle("/clear", func(w http.ResponseWriter, r *http.Request) { clearAndPut(r) })
			a.do(br, "/clear")
			raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
			assert.Equal(t, "bye", raw["flash"])
			assert.NotContains(t, raw, "user", "cleared")
			assert.Equal(t, created, raw["#created"], "the same session, with its metadata")
			requireAllHaveTTL(t, a)
		})
	})
}

// A handler behind middleware that wraps the request context commits a
// new session manually; scs's final commit comes under the request's own
// context and must not rewrite the session whole over the counter. A
// router adds a value (same Done channel); a timeout middleware
// (http.TimeoutHandler, chi's Timeout) a Done channel of its own.
func TestRepeatedCommitsBehindContextWrappingMiddleware(t *testing.T) {
	wrappers := map[string]func(context.Context) (context.Context, context.CancelFunc){
		"router": func(c context.Context) (context.Context, context.CancelFunc) {
			return context.WithValue(c, routeKey{}, "/start"), func() {}
		},
		"timeout": func(c context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(c, time.Minute)
		},
	}
	for name, wrap := range wrappers {
		t.Run(name, func(t *testing.T) {
			redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
				a := newApp(t, b)
				a.handle("/start", func(w http.ResponseWriter, r *http.Request) {
					c, cancel := wrap(r.Context())
					defer cancel()
					a.sm.Put(c, "since", "now")
					token, _, err := a.sm.Commit(c)
					require.NoError(t, err)
					_, err = a.store.Fields(token).Incr(c, "visits", 1)
					require.NoError(t, err)
				})
				br := &browser{}
				a.do(br, "/start")
				assert.Equal(t, "1", b.Client.HGet(ctx, a.key(br.token()), "visits").Val())
			})
		})
	}
}

type routeKey struct{}

// A loaded session committed twice in one request (a manual Commit, then
// the middleware's): the second commit is a delta against what the first
// wrote, so a value removed in between is deleted.
func TestRemoveAfterAManualCommit(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			br := &browser{}
			a.do(br, "/put?cart=apple")
			a.handle("/checkout", func(w http.ResponseWriter, r *http.Request) {
				c := r.Context()
				a.sm.Put(c, "tmp", "1")
				_, _, err := a.sm.Commit(c)
				require.NoError(t, err)
				a.sm.Remove(c, "tmp")
			})
			a.do(br, "/checkout")
			stored := b.Client.HGetAll(ctx, a.key(br.token())).Val()
			assert.NotContains(t, stored, "tmp", "removed after the manual commit")
			assert.Contains(t, stored, "cart")
		})
	})
}

// Request A changes n and commits manually; B then sets n; A's final
// commit, which changed nothing since its manual one, must not write its
// n back over B's.
func TestSecondCommitKeepsAConcurrentChange(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?n=1")
		release := inFlight(a, cookieOnly(br), "/slow", func(r *http.Request) {
			a.sm.Put(r.Context(), "n", "2")
			_, _, err := a.sm.Commit(r.Context())
			require.NoError(t, err)
		})
		a.do(cookieOnly(br), "/put?n=5")
		release()
		assert.Equal(t, "5", b.Client.HGet(ctx, a.key(br.token()), "n").Val(), "the later change is kept")
	})
}

// MergeSession copies the other session's values, loaded state included,
// over the current one; the commit must still be a delta of the current
// session, keeping a concurrent change.
func TestMergeSessionKeepsConcurrentChanges(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		other := &browser{}
		a.do(other, "/put?cart=apple")
		br := &browser{}
		a.do(br, "/put?user=7")
		release := inFlight(a, cookieOnly(br), "/slow-merge", func(r *http.Request) {
			require.NoError(t, a.sm.MergeSession(r.Context(), other.token()))
		})
		a.do(cookieOnly(br), "/put?theme=dark")
		release()
		raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
		assert.Equal(t, "apple", raw["cart"])
		assert.Equal(t, "7", raw["user"])
		assert.Equal(t, "dark", raw["theme"], "the concurrent change survives the merge")
	})
}
