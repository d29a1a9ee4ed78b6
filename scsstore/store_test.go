package scsstore_test

import (
	"context"
	"encoding/gob"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

var (
	_ scs.Store            = (*scsstore.Store)(nil)
	_ scs.CtxStore         = (*scsstore.Store)(nil)
	_ scs.IterableStore    = (*scsstore.Store)(nil)
	_ scs.IterableCtxStore = (*scsstore.Store)(nil)
	_ scs.Codec            = scsstore.Codec{}
)

type cart struct {
	Items []string
	Total float64
}

func init() {
	gob.Register(cart{})
	// scs.GobCodec needs this for GetTime values, as in any scs app; the
	// fast Codec does not.
	gob.Register(time.Time{})
}

func TestExactTypesRoundTripThroughEveryGetter(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			when := time.Date(2026, 11, 25, 19, 56, 7, 123456789, time.UTC)
			a.handle("/write", func(w http.ResponseWriter, r *http.Request) {
				c := r.Context()
				a.sm.Put(c, "string", "stefan")
				a.sm.Put(c, "bool", true)
				a.sm.Put(c, "int", 42)
				a.sm.Put(c, "int64", int64(-1)<<40)
				a.sm.Put(c, "int32", int32(7))
				a.sm.Put(c, "float", 1.25)
				a.sm.Put(c, "bytes", []byte{0, 1, 2})
				a.sm.Put(c, "time", when)
				a.sm.Put(c, "cart", cart{Items: []string{"apple"}, Total: 1.5})
				a.sm.Put(c, "#escaped", "x")
			})
			a.handle("/read", func(w http.ResponseWriter, r *http.Request) {
				c := r.Context()
				assert.Equal(t, "stefan", a.sm.GetString(c, "string"))
				assert.Equal(t, true, a.sm.GetBool(c, "bool"))
				assert.Equal(t, 42, a.sm.GetInt(c, "int"))
				assert.Equal(t, int64(-1)<<40, a.sm.GetInt64(c, "int64"))
				assert.Equal(t, int32(7), a.sm.GetInt32(c, "int32"))
				assert.Equal(t, 1.25, a.sm.GetFloat(c, "float"))
				assert.Equal(t, []byte{0, 1, 2}, a.sm.GetBytes(c, "bytes"))
				assert.True(t, when.Equal(a.sm.GetTime(c, "time")))
				assert.Equal(t, cart{Items: []string{"apple"}, Total: 1.5}, a.sm.Get(c, "cart"))
				assert.Equal(t, "x", a.sm.GetString(c, "#escaped"))
			})
			br := &browser{}
			_, code := a.do(br, "/write")
			require.Equal(t, http.StatusOK, code, "%v", a.errors())
			_, code = a.do(br, "/read")
			require.Equal(t, http.StatusOK, code, "%v", a.errors())

			raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
			assert.Equal(t, "stefan", raw["string"])
			assert.Equal(t, "true", raw["bool"])
			assert.Equal(t, "42", raw["int"])
			assert.Equal(t, "int", raw["#t:int"])
			assert.Equal(t, "int32", raw["#t:int32"])
			assert.Equal(t, "1.25", raw["float"])
			assert.Equal(t, "2026-11-25T19:56:07.123456789Z", raw["time"])
			assert.Equal(t, "gob", raw["#t:cart"])
			assert.Equal(t, "x", raw["##escaped"])
			for f := range raw {
				assert.NotContains(t, f, scsstore.LoadedStatePrefix, "the loaded state never reaches Redis")
			}
			for _, meta := range []string{"#created", "#deadline", "#idle"} {
				assert.Contains(t, raw, meta)
			}
		})
	})
}

func TestPlainMethodsWork(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		s := scsstore.New(b.Client, scsstore.WithPrefix(b.Prefix))
		tok := "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43]
		blob, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"a": 1})
		require.NoError(t, err)
		require.NoError(t, s.Commit(tok, blob, time.Now().Add(time.Minute)))
		got, found, err := s.Find(tok)
		require.NoError(t, err)
		require.True(t, found)
		_, values, err := scs.GobCodec{}.Decode(got)
		require.NoError(t, err)
		assert.Equal(t, 1, values["a"])
		all, err := s.All()
		require.NoError(t, err)
		assert.Contains(t, all, tok)
		require.NoError(t, s.Delete(tok))
		_, found, err = s.Find(tok)
		require.NoError(t, err)
		assert.False(t, found)
	})
}

func TestMalformedTokensNeverReachRedis(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		trips := redistest.CountRoundTrips(b.Client)
		for _, tok := range []string{"", "example", "../../etc/passwd", "abc:def*?[x]", "a b", string(make([]byte, 3000)),
			"Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0B"} {
			blob, found, err := a.store.FindCtx(ctx, tok)
			assert.NoError(t, err, "%q", tok)
			assert.False(t, found, "%q", tok)
			assert.Nil(t, blob)
			assert.NoError(t, a.store.DeleteCtx(ctx, tok), "%q", tok)
			assert.ErrorIs(t, a.store.CommitCtx(ctx, tok, nil, time.Now().Add(time.Hour)), scsstore.ErrInvalidToken)
			err = a.store.Fields(tok).Set(ctx, "a", 1)
			assert.ErrorIs(t, err, hashcodec.ErrNotFound, "no such session")
			if tok != "" {
				assert.ErrorIs(t, err, scsstore.ErrInvalidToken)
			}
		}
		assert.Zero(t, trips.RoundTrips(), "no malformed token reached Redis: %v", trips.Commands())

		// Through the middleware: a junk cookie gives a fresh session.
		br := &browser{cookie: "../../x"}
		a.do(br, "/put?a=1")
		assert.NotEqual(t, "../../x", br.token())
		assert.Empty(t, a.errors())
		assert.Len(t, a.sessionKeys(), 1)
	})
}

func TestCustomTokenValidator(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		machine := func(tok string) bool { return len(tok) > 4 && tok[:4] == "m2m-" }
		s := scsstore.New(b.Client, scsstore.WithPrefix(b.Prefix), scsstore.WithTokenValidator(machine))
		blob, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"sub": "svc"})
		require.NoError(t, err)
		require.NoError(t, s.CommitCtx(ctx, "m2m-client-7", blob, time.Now().Add(time.Hour)))
		_, found, err := s.FindCtx(ctx, "m2m-client-7")
		require.NoError(t, err)
		assert.True(t, found)
		_, found, err = s.FindCtx(ctx, "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43])
		require.NoError(t, err)
		assert.False(t, found, "the validator replaces the default check")
	})
}

func TestHashTokenInStore(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b, scsstore.WithHashedTokens())
		a.sm.HashTokenInStore = true
		a.handle("/fields", func(w http.ResponseWriter, r *http.Request) {
			n, err := a.store.Fields(a.sm.Token(r.Context())).Incr(r.Context(), "hits", 1)
			require.NoError(t, err)
			_, _ = w.Write([]byte(strconv.FormatInt(n, 10)))
		})
		br := &browser{}
		a.do(br, "/put?name=ada")
		keys := a.sessionKeys()
		require.Len(t, keys, 1)
		assert.NotContains(t, keys[0], br.token(), "the cookie token is not in Redis")
		body, _ := a.do(br, "/get?k=name")
		assert.Equal(t, "ada", body)
		body, _ = a.do(br, "/fields")
		assert.Equal(t, "1", body)
		a.do(br, "/destroy")
		assert.Empty(t, a.sessionKeys())
		assert.Empty(t, a.errors())
	})
}

func TestWrongTypeKeyIsAbsentAndReplaced(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		tok := "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43]
		require.NoError(t, b.Client.Set(ctx, a.key(tok), "a blob from another store", time.Hour).Err())
		_, found, err := a.store.FindCtx(ctx, tok)
		require.NoError(t, err)
		assert.False(t, found)

		require.NoError(t, b.Client.HSet(ctx, a.key(tok)+"x", "name", "no metadata").Err())
		_, found, err = a.store.FindCtx(ctx, tok+"x")
		require.NoError(t, err)
		assert.False(t, found, "a hash without session metadata is not a session")

		blob, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"a": "b"})
		require.NoError(t, err)
		require.NoError(t, a.store.CommitCtx(ctx, tok, blob, time.Now().Add(time.Hour)))
		assert.Equal(t, "b", b.Client.HGet(ctx, a.key(tok), "a").Val(), "replaced by a session")
	})
}

func TestCorruptStoredDataIsAnErrorNamingTheField(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			br := &browser{}
			a.handle("/count", func(w http.ResponseWriter, r *http.Request) { a.sm.Put(r.Context(), "count", 1) })
			a.do(br, "/count")
			require.NoError(t, b.Client.HSet(ctx, a.key(br.token()), "count", "not a number").Err())
			_, code := a.do(br, "/get?k=count")
			assert.Equal(t, http.StatusInternalServerError, code)
			errs := a.errors()
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], hashcodec.ErrCorrupt)
			assert.Contains(t, errs[0].Error(), `"count"`)
		})
	})
}

func TestLimitsAreCheckedBeforeWriting(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b, scsstore.WithLimits(hashcodec.Limits{Fields: 2, Bytes: 100}))
		br := &browser{}
		_, code := a.do(br, "/put?a=1&b=2")
		require.Equal(t, http.StatusOK, code)
		_, code = a.do(br, "/put?c=3")
		assert.Equal(t, http.StatusInternalServerError, code)
		require.Len(t, a.errors(), 1)
		assert.ErrorIs(t, a.errors()[0], hashcodec.ErrLimit)
		assert.False(t, b.Client.HExists(ctx, a.key(br.token()), "c").Val(), "nothing written")

		big := make([]byte, 200)
		for i := range big {
			big[i] = 'x'
		}
		_, code = a.do(br, "/put?a="+string(big))
		assert.Equal(t, http.StatusInternalServerError, code)
		assert.Equal(t, "1", b.Client.HGet(ctx, a.key(br.token()), "a").Val())
	})
}

func TestCommitSurvivesAClientDisconnect(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		reqCtx, cancel := context.WithCancel(context.Background())
		a.handle("/cancel", func(w http.ResponseWriter, r *http.Request) {
			a.sm.Put(r.Context(), "paid", true)
			cancel() // the client goes away before the middleware commits
		})
		br := &browser{}
		_, code := a.doCtx(reqCtx, br, "/cancel")
		require.Equal(t, http.StatusOK, code, "%v", a.errors())
		assert.Equal(t, "true", b.Client.HGet(ctx, a.key(br.token()), "paid").Val())

		cancelled, stop := context.WithCancel(context.Background())
		stop()
		require.NoError(t, a.store.DeleteCtx(cancelled, br.token()), "delete is detached too")
		assert.Empty(t, a.sessionKeys())
	})
}

func TestRedisErrorsAreReturned(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialTimeout: 100 * time.Millisecond})
	defer c.Close()
	s := scsstore.New(c, scsstore.WithTimeout(time.Second))
	tok := "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43]
	_, found, err := s.FindCtx(ctx, tok)
	assert.Error(t, err)
	assert.False(t, found)
	blob, _ := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{})
	assert.Error(t, s.CommitCtx(ctx, tok, blob, time.Now().Add(time.Hour)))
	assert.Error(t, s.DeleteCtx(ctx, tok))
	_, err = s.AllCtx(ctx)
	assert.Error(t, err)
}

func TestBadConfigurationFailsClearly(t *testing.T) {
	s := scsstore.New(nil)
	_, _, err := s.FindCtx(ctx, "x")
	assert.ErrorIs(t, err, scsstore.ErrNoClient)

	mr := redistest.NewMini(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer c.Close()
	s = scsstore.New(c, scsstore.WithPrefix(""), scsstore.WithTimeout(-1))
	err = s.DeleteCtx(ctx, "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43])
	require.Error(t, err)
	assert.Contains(t, err.Error(), "empty prefix")
	assert.Contains(t, err.Error(), "WithTimeout")
	assert.Equal(t, err, s.Fields("x").Set(ctx, "a", 1))
}

func TestOneRoundTripPerFindAndCommit(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			a.sm.IdleTimeout = time.Hour
			br := &browser{}
			a.do(br, "/put?a=1")
			a.do(br, "/put?a=2") // scripts loaded
			trips := redistest.CountRoundTrips(b.Client)
			a.do(br, "/put?a=3")
			assert.Equal(t, 2, trips.RoundTrips(), "find + commit: %v", trips.Commands())
			trips.Reset()
			a.do(br, "/get?k=a")
			assert.Equal(t, 1, trips.RoundTrips(), "a read-only request under IdleTimeout: the find slides the expiry, the commit has nothing left to do: %v", trips.Commands())
		})
	})
}
