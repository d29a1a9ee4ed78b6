package seed_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/hashcodec/seed"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var ctx = context.Background()

func request(cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

func signedCookie(t *testing.T, name, value string, at time.Time) *http.Cookie {
	t.Helper()
	v, err := seed.SignTornadoCookie(key, name, value, at)
	require.NoError(t, err)
	return &http.Cookie{Name: name, Value: v}
}

// A Go handler finds the seed's session from its signed cookie, reads it
// the seed's way and slides its TTL by the seed's session-expire.
func TestHashOfASignedCookie(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		s := &seed.Sessions{Client: b.Client, Prefix: b.Prefix + "app", Secret: key, Expire: 20 * time.Minute}
		k := s.Key(id)
		assert.Equal(t, b.Prefix+"app:sessions:"+id, k)
		require.NoError(t, b.Client.HSet(ctx, k, "count", "42", "flag", "True", "name", "stefan").Err())
		require.NoError(t, b.Client.Expire(ctx, k, time.Minute).Err())

		h, err := s.Hash(request(signedCookie(t, "session-id", id, time.Now())))
		require.NoError(t, err)
		assert.Equal(t, k, h.Key())
		assert.Equal(t, 42, h.Get(ctx, "count").Int())
		assert.True(t, h.Get(ctx, "flag").Bool())
		redistest.RequireTTL(t, b.Client, k, 20*time.Minute)

		require.NoError(t, b.Client.Expire(ctx, k, time.Minute).Err())
		require.NoError(t, h.Set(ctx, "name", "ada"))
		redistest.RequireTTL(t, b.Client, k, 20*time.Minute)
		assert.False(t, b.Client.HExists(ctx, k, "#t:name").Val(), "no metadata in the seed's hash")
	})
}

func TestHashWithoutExpireKeepsTheSeedsTTL(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		s := &seed.Sessions{Client: b.Client, Prefix: b.Prefix + "redis", Secret: key}
		k := s.Key(id)
		require.NoError(t, b.Client.HSet(ctx, k, "count", "1").Err())
		require.NoError(t, b.Client.Expire(ctx, k, time.Minute).Err())
		h := s.Fields(id)
		_, err := h.Incr(ctx, "count", 1)
		require.NoError(t, err)
		assert.Equal(t, 2, h.Get(ctx, "count").Int())
		redistest.RequireTTL(t, b.Client, k, time.Minute)
	})
}

// The seed creates its key at the first write; until then Go finds
// nothing and creates nothing.
func TestHashOfASessionThePythonAppHasNotWritten(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		s := &seed.Sessions{Client: b.Client, Prefix: b.Prefix + "redis", Secret: key, Expire: time.Hour}
		h, err := s.Hash(request(signedCookie(t, "session-id", id, time.Now())))
		require.NoError(t, err)
		f := h.Get(ctx, "count")
		assert.True(t, f.IsNil())
		assert.NoError(t, f.Err())
		assert.ErrorIs(t, h.Set(ctx, "count", 1), hashcodec.ErrNotFound)
		assert.Zero(t, b.Client.Exists(ctx, s.Key(id)).Val())
	})
}

func TestDefaults(t *testing.T) {
	s := &seed.Sessions{Secret: key}
	assert.Equal(t, "redis:sessions:"+id, s.Key(id))
	got, err := s.ID(request(signedCookie(t, "session-id", id, time.Now())))
	require.NoError(t, err)
	assert.Equal(t, id, got)
	_, err = s.ID(request(signedCookie(t, "sid", id, time.Now())))
	assert.ErrorIs(t, err, seed.ErrNoCookie, "the default cookie name is session-id")
}

func TestIDRefusals(t *testing.T) {
	s := &seed.Sessions{Secret: key, CookieName: "sid", MaxAge: time.Hour}
	old := signedCookie(t, "sid", id, time.Now().Add(-time.Hour-time.Minute))
	cases := map[string]struct {
		r    *http.Request
		want error
	}{
		"no cookie":                {request(), seed.ErrNoCookie},
		"empty cookie":             {request(&http.Cookie{Name: "sid", Value: ""}), seed.ErrNoCookie},
		"raw ID, signing expected": {request(&http.Cookie{Name: "sid", Value: id}), seed.ErrMalformed},
		"older than MaxAge":        {request(old), seed.ErrExpired},
		"signed for another name":  {request(&http.Cookie{Name: "sid", Value: signedCookie(t, "user", id, time.Now()).Value}), seed.ErrName},
		"signed, not a seed ID":    {request(signedCookie(t, "sid", "admin", time.Now())), seed.ErrBadID},
		"signed, key separator":    {request(signedCookie(t, "sid", id[:71]+":", time.Now())), seed.ErrBadID},
		"from the future":          {request(signedCookie(t, "sid", id, time.Now().Add(time.Hour))), seed.ErrFuture},
		"another secret": {request(&http.Cookie{Name: "sid", Value: func() string {
			v, _ := seed.SignTornadoCookie([]byte("x"), "sid", id, time.Now())
			return v
		}()}), seed.ErrSignature},
	}
	for name, tc := range cases {
		got, err := s.ID(tc.r)
		assert.ErrorIs(t, err, tc.want, name)
		assert.Empty(t, got, name)
		if tc.want == seed.ErrNoCookie {
			assert.ErrorIs(t, err, http.ErrNoCookie, name)
			assert.NotErrorIs(t, err, seed.ErrInvalidCookie, name)
		} else {
			assert.ErrorIs(t, err, seed.ErrInvalidCookie, name)
		}
		h, err := (&seed.Sessions{Client: redistest.MiniClient(t), Secret: key, CookieName: "sid", MaxAge: time.Hour}).Hash(tc.r)
		assert.ErrorIs(t, err, tc.want, name)
		assert.Nil(t, h, name)
	}
}

// Of several cookies of that name the last counts, as in Tornado, so the
// Go handler and the Python app agree on the session.
func TestTheLastCookieOfThatNameCounts(t *testing.T) {
	other := "11111111-2222-4333-8444-555555555555aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	s := &seed.Sessions{Secret: key}
	got, err := s.ID(request(signedCookie(t, "session-id", other, time.Now()), signedCookie(t, "session-id", id, time.Now())))
	require.NoError(t, err)
	assert.Equal(t, id, got)
}

func TestUnsignedCookies(t *testing.T) {
	s := &seed.Sessions{Unsigned: true}
	got, err := s.ID(request(&http.Cookie{Name: "session-id", Value: id}))
	require.NoError(t, err)
	assert.Equal(t, id, got)
	for _, v := range []string{"admin", id[:71] + "}", id + id, signedCookie(t, "session-id", id, time.Now()).Value} {
		_, err := s.ID(request(&http.Cookie{Name: "session-id", Value: v}))
		assert.ErrorIs(t, err, seed.ErrBadID, "%q", v)
	}
}

// A secret missing from the configuration must not turn into accepting
// whatever ID a client sends.
func TestNoSecretIsAConfigurationError(t *testing.T) {
	for _, s := range []*seed.Sessions{{}, {Secret: []byte{}}, {Secrets: map[int][]byte{}}} {
		_, err := s.ID(request(&http.Cookie{Name: "session-id", Value: id}))
		assert.ErrorIs(t, err, seed.ErrNoSecret)
		_, err = s.ID(request())
		assert.ErrorIs(t, err, seed.ErrNoSecret, "reported even without a cookie")
	}
	_, err := (&seed.Sessions{Secret: key}).Hash(request(signedCookie(t, "session-id", id, time.Now())))
	assert.Error(t, err, "no Client")
}

func TestSecretsByKeyVersion(t *testing.T) {
	s := &seed.Sessions{Secrets: map[int][]byte{0: []byte("old"), 7: key}, MaxAge: 100 * 365 * 24 * time.Hour}
	got, err := s.ID(request(&http.Cookie{Name: "session-id", Value: tornadoV2Key7}))
	require.NoError(t, err)
	assert.Equal(t, id, got)
	_, err = s.ID(request(&http.Cookie{Name: "session-id", Value: tornadoV2}))
	assert.ErrorIs(t, err, seed.ErrSignature)
}

func TestFieldsRefusesAnIDThatIsNotTheSeeds(t *testing.T) {
	s := &seed.Sessions{Client: redistest.MiniClient(t), Secret: key}
	h := s.Fields("../" + id[3:])
	assert.ErrorIs(t, h.Get(ctx, "x").Err(), seed.ErrBadID)
	assert.ErrorIs(t, h.Set(ctx, "x", 1), seed.ErrBadID)
	assert.ErrorContains(t, (&seed.Sessions{}).Fields(id).Get(ctx, "x").Err(), "Client is nil")
}
