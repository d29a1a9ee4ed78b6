package gorillastore_test

import (
	"encoding/base64"
	"encoding/gob"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var _ sessions.Store = (*gorillastore.Store)(nil)

type user struct {
	ID    int
	Roles []string
}

type notRegistered struct{ X int }

func init() {
	gob.Register(user{})
	gob.Register(time.Time{})
}

func TestGetUsesTheRegistryAndNeverReturnsNil(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: "garbage"})
		s1, err1 := a.store.Get(req, cookieName)
		s2, err2 := a.store.Get(req, cookieName)
		require.NotNil(t, s1)
		assert.Same(t, s1, s2, "cached by the request's registry")
		assert.Equal(t, err1, err2)
		assert.True(t, gorillastore.IsInvalidCookie(err1))
		assert.Same(t, a.store, s1.Store())
		assert.Equal(t, cookieName, s1.Name())
		assert.True(t, s1.IsNew)
		assert.NotNil(t, s1.Values)

		_, err := a.store.Get(req, "bad name")
		assert.Error(t, err, "gorilla rejects invalid cookie names")
	})
}

func TestSecureCookieDefaultsAndOptionsFlowThrough(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?a=1")
		c := br.last
		assert.True(t, c.HttpOnly)
		assert.True(t, c.Secure)
		assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
		assert.Equal(t, "/", c.Path)
		assert.Equal(t, gorillastore.DefaultMaxAge, c.MaxAge)

		a.store.Options.SameSite = http.SameSiteStrictMode
		a.store.Options.Partitioned = true
		a.store.Options.Domain = "example.com"
		a.do(&browser{}, "/put?a=1")
		// Partitioned is not parsed back by net/http; check the header.
		rec := httptest.NewRecorder()
		a.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/put?a=2", nil))
		header := rec.Header().Get("Set-Cookie")
		assert.Contains(t, header, "SameSite=Strict")
		assert.Contains(t, header, "Partitioned")
		assert.Contains(t, header, "Domain=example.com")
	})
}

func TestTheCookieHoldsOnlyASignedStoreGeneratedID(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		ids := map[string]bool{}
		for i := 0; i < 20; i++ {
			br := &browser{}
			a.do(br, "/put?name=ada")
			id := a.id(br)
			raw, err := base64.RawURLEncoding.DecodeString(id)
			require.NoError(t, err)
			assert.Len(t, raw, 32, "32 random bytes")
			assert.False(t, ids[id])
			ids[id] = true
			assert.NotContains(t, br.cookie().Value, "ada", "no data in the cookie")
			assert.Equal(t, "ada", b.Client.HGet(ctx, a.key(id), "name").Val())
		}
	})
}

func TestKeyRotation(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?name=ada")
		oldID := a.id(br)

		newHash := []byte("abcdefghijklmnopqrstuvwxyz012345")
		rotated, err := gorillastore.New(b.Client, newHash, nil, hashKey, blockKey)
		require.NoError(t, err)
		rotated.KeyPrefix = a.store.KeyPrefix
		a.store = rotated // the app restarts with the new keys first

		body, _ := a.do(br, "/get?k=name")
		assert.Equal(t, "ada", body, "cookies signed with the old key still work")
		a.do(br, "/put?seen=1")
		assert.Equal(t, oldID, a.id(br), "same session")
		newOnly, err := gorillastore.New(b.Client, newHash)
		require.NoError(t, err)
		_, err = newOnly.CookieID(cookieName, br.cookie().Value)
		assert.NoError(t, err, "re-issued cookies are signed with the new key")
	})
}

func TestBadKeysFailInNew(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	_, err := gorillastore.New(c)
	assert.ErrorIs(t, err, gorillastore.ErrNoKeys)
	_, err = gorillastore.New(c, []byte{})
	assert.ErrorIs(t, err, gorillastore.ErrBadKey)
	_, err = gorillastore.New(c, hashKey, []byte("short"))
	assert.ErrorIs(t, err, gorillastore.ErrBadKey)
	assert.Contains(t, err.Error(), "16, 24 or 32")
	_, err = gorillastore.New(c, hashKey, blockKey, nil)
	assert.ErrorIs(t, err, gorillastore.ErrBadKey, "an empty hash key in a later pair")
	_, err = gorillastore.New(nil, hashKey)
	assert.ErrorIs(t, err, gorillastore.ErrNoClient)
	_, err = gorillastore.New(c, hashKey, blockKey)
	assert.NoError(t, err)
	_, err = gorillastore.New(c, hashKey)
	assert.NoError(t, err, "the block key is optional")
}

func TestBadCookiesGiveAFreshSessionAndAClassifiableError(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?name=ada")
		valid := br.cookie().Value
		other, err := gorillastore.New(b.Client, []byte("another key, another app........"))
		require.NoError(t, err)
		foreign, err := securecookie.EncodeMulti(cookieName, "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0N", other.Codecs...)
		require.NoError(t, err)
		notAnID, err := securecookie.EncodeMulti(cookieName, "../../etc", a.store.Codecs...)
		require.NoError(t, err)

		for name, value := range map[string]string{
			"garbage":     "garbage",
			"tampered":    valid[:len(valid)-2] + "xx",
			"other key":   foreign,
			"not an ID":   notAnID,
			"too long":    strings.Repeat("a", 5000),
			"empty value": "",
		} {
			t.Run(name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.AddCookie(&http.Cookie{Name: cookieName, Value: value})
				s, err := a.store.New(req, cookieName)
				require.NotNil(t, s)
				assert.True(t, s.IsNew)
				assert.Empty(t, s.Values)
				assert.Empty(t, s.ID)
				if value == "" {
					assert.NoError(t, err)
					return
				}
				require.Error(t, err)
				assert.True(t, gorillastore.IsInvalidCookie(err), "%v", err)
				assert.ErrorIs(t, err, gorillastore.ErrInvalidCookie)
				rec := httptest.NewRecorder()
				s.Values["fresh"] = true
				require.NoError(t, s.Save(req, rec), "the fresh session saves")
				assert.NotEqual(t, value, rec.Result().Cookies()[0].Value)
			})
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: valid[:len(valid)-2] + "xx"})
		_, err = a.store.New(req, cookieName)
		var scErr securecookie.Error
		require.True(t, errors.As(err, &scErr), "securecookie's error is in the chain")
		assert.True(t, scErr.IsDecode())
	})
}

func TestAValidCookieWhoseSessionIsGoneGetsAFreshID(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?name=ada")
		oldID := a.id(br)
		require.NoError(t, b.Client.Del(ctx, a.key(oldID)).Err()) // expired, or logged out elsewhere

		a.handle("/check", func(w http.ResponseWriter, r *http.Request) {
			s, err := a.store.Get(r, cookieName)
			assert.NoError(t, err, "no error: the session simply ended")
			assert.True(t, s.IsNew)
			assert.Empty(t, s.Values)
			s.Values["name"] = "eve"
			a.save(w, r, s)
		})
		a.do(br, "/check")
		newID := a.id(br)
		assert.NotEqual(t, oldID, newID, "a fresh ID, not the one the client sent")
		assert.False(t, redistest.Live(t, b.Client, a.key(oldID)), "nothing stored under the old ID")
		assert.Equal(t, []string{a.key(newID)}, a.sessionKeys())
	})
}

func TestValuesRoundTripWithExactTypes(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		when := time.Date(2026, 11, 25, 19, 0, 0, 42, time.UTC)
		a.handle("/write", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values["name"] = "ada"
			s.Values[42] = 43
			s.Values["admin"] = true
			s.Values["uid"] = int64(7)
			s.Values["user"] = user{ID: 7, Roles: []string{"admin"}}
			s.Values["seen"] = when
			s.Values["#tag"] = "escaped"
			s.AddFlash("saved!")
			s.AddFlash("and again", "custom")
			a.save(w, r, s)
		})
		a.handle("/read", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			assert.Equal(t, "ada", s.Values["name"])
			assert.Equal(t, 43, s.Values[42])
			assert.Equal(t, true, s.Values["admin"])
			assert.Equal(t, int64(7), s.Values["uid"])
			assert.Equal(t, user{ID: 7, Roles: []string{"admin"}}, s.Values["user"])
			assert.True(t, when.Equal(s.Values["seen"].(time.Time)))
			assert.Equal(t, "escaped", s.Values["#tag"])
			assert.Equal(t, []any{"saved!"}, s.Flashes())
			assert.Equal(t, []any{"and again"}, s.Flashes("custom"))
			a.save(w, r, s) // the flashes are consumed
		})
		br := &browser{}
		a.do(br, "/write")
		raw := b.Client.HGetAll(ctx, a.key(a.id(br))).Val()
		assert.Equal(t, "ada", raw["name"])
		assert.Equal(t, "43", raw["#k:int:42"])
		assert.Equal(t, "int", raw["#t:#k:int:42"])
		assert.Equal(t, "true", raw["admin"])
		assert.Equal(t, "escaped", raw["##tag"])
		assert.Equal(t, "gob", raw["#t:_flash"])
		a.do(br, "/read")
		raw = b.Client.HGetAll(ctx, a.key(a.id(br))).Val()
		assert.NotContains(t, raw, "_flash", "Flashes removed the key")
		assert.NotContains(t, raw, "#t:_flash")
	})
}

func TestAnUnregisteredTypeFailsNamingTheKey(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?name=ada")
		a.handle("/bad", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values["name"] = "changed"
			s.Values["thing"] = notRegistered{X: 1}
			err := s.Save(r, w)
			require.Error(t, err)
			assert.ErrorIs(t, err, hashcodec.ErrUnsupported)
			assert.Contains(t, err.Error(), `"thing"`)
		})
		a.do(br, "/bad")
		assert.Equal(t, "ada", b.Client.HGet(ctx, a.key(a.id(br)), "name").Val(), "nothing written")
	})
}

func TestLoadFailureGivesASessionThatCannotOverwrite(t *testing.T) {
	mr := redistest.NewMini(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	defer c.Close()
	a := newApp(t, &redistest.Backend{Name: "miniredis", Client: c, Mini: mr, Prefix: "t:"})
	store := a.store
	br := &browser{}
	a.do(br, "/put?name=ada&cart=apple")
	id := a.id(br)

	mr.SetError("LOADING Redis is loading the dataset in memory")
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(br.cookie())
	s, err := store.Get(req, cookieName)
	require.NotNil(t, s)
	require.Error(t, err)
	assert.False(t, gorillastore.IsInvalidCookie(err), "a Redis failure is not a bad cookie")
	assert.Contains(t, err.Error(), "LOADING")
	mr.SetError("")

	s.Values["name"] = "mallory"
	rec := httptest.NewRecorder()
	assert.ErrorIs(t, s.Save(req, rec), gorillastore.ErrNotLoaded)
	assert.Empty(t, rec.Result().Cookies())
	assert.Equal(t, map[string]string{"name": "ada", "cart": "apple"}, userFields(c.HGetAll(ctx, store.KeyPrefix+id).Val()))
	assert.ErrorIs(t, store.Fields(s).Set(ctx, "name", "x"), gorillastore.ErrNotLoaded)
}

func userFields(raw map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range raw {
		if !strings.HasPrefix(k, "#") {
			out[k] = v
		}
	}
	return out
}

func TestCorruptDataIsAnErrorNamingTheField(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.handle("/n", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values["n"] = 1
			a.save(w, r, s)
		})
		a.do(br, "/n")
		require.NoError(t, b.Client.HSet(ctx, a.key(a.id(br)), "n", "one").Err())
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(br.cookie())
		s, err := a.store.New(req, cookieName)
		require.NotNil(t, s)
		assert.ErrorIs(t, err, hashcodec.ErrCorrupt)
		assert.Contains(t, err.Error(), `"n"`)
		assert.Empty(t, s.Values)
		assert.ErrorIs(t, s.Save(req, httptest.NewRecorder()), gorillastore.ErrNotLoaded)
	})
}

func TestLimitsAreCheckedBeforeWriting(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.store.Limits = hashcodec.Limits{Fields: 2, Bytes: 64}
		br := &browser{}
		a.do(br, "/put?a=1&b=2")
		a.handle("/more", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values["c"] = 3
			assert.ErrorIs(t, s.Save(r, w), hashcodec.ErrLimit)
			delete(s.Values, "c")
			s.Values["a"] = strings.Repeat("x", 100)
			assert.ErrorIs(t, s.Save(r, w), hashcodec.ErrLimit)
		})
		a.do(br, "/more")
		assert.Equal(t, map[string]string{"a": "1", "b": "2"}, userFields(b.Client.HGetAll(ctx, a.key(a.id(br))).Val()))
	})
}

func TestBadConfigurationIsReported(t *testing.T) {
	a := newApp(t, &redistest.Backend{Client: redistest.MiniClient(t)})
	a.store.KeyPrefix = ""
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	s, err := a.store.New(req, cookieName)
	require.NotNil(t, s)
	assert.ErrorIs(t, err, gorillastore.ErrConfig)
	assert.ErrorIs(t, s.Save(req, httptest.NewRecorder()), gorillastore.ErrConfig)
}

// An unset environment variable gives an empty block key: no encryption,
// as nil does, rather than an AES error.
func TestAnEmptyBlockKeyMeansNone(t *testing.T) {
	s, err := gorillastore.New(redistest.MiniClient(t), hashKey, []byte(""))
	require.NoError(t, err)
	v, err := securecookie.EncodeMulti(cookieName, "x", s.Codecs...)
	require.NoError(t, err)
	var got string
	require.NoError(t, securecookie.DecodeMulti(cookieName, v, &got, securecookie.New(hashKey, nil)))
	assert.Equal(t, "x", got)
}
