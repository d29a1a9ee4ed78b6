package hashcodec_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var ctx = context.Background()

// newSession creates a hash laid out as the stores create sessions: the
// metadata fields and a TTL of min(idle, deadline-now).
func newSession(t *testing.T, c redis.UniversalClient, key string, idle time.Duration, deadline time.Time, fields ...any) {
	t.Helper()
	now := time.Now()
	args := append([]any{"#created", now.UnixMilli(), "#idle", idle.Milliseconds()}, fields...)
	if !deadline.IsZero() {
		args = append(args, "#deadline", deadline.UnixMilli())
	}
	require.NoError(t, c.HSet(ctx, key, args...).Err())
	ttl := idle
	if !deadline.IsZero() && (ttl == 0 || deadline.Sub(now) < ttl) {
		ttl = deadline.Sub(now)
	}
	require.NoError(t, c.PExpire(ctx, key, ttl).Err())
}

func assertTTL(t *testing.T, c redis.UniversalClient, key string, want time.Duration) {
	t.Helper()
	redistest.RequireTTL(t, c, key, want)
}

func TestGetSlidesTheTTLInTheSameRoundTrip(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, 10*time.Minute, time.Time{}, "count", "1", "#t:count", "int")
		require.NoError(t, b.Client.PExpire(ctx, key, 5*time.Second).Err())

		h := hashcodec.NewHash(b.Client, key)
		require.Equal(t, 1, h.Get(ctx, "count").Int()) // loads the script
		require.NoError(t, b.Client.PExpire(ctx, key, 5*time.Second).Err())
		trips := redistest.CountRoundTrips(b.Client)

		f := h.Get(ctx, "count")
		assert.Equal(t, 1, trips.RoundTrips(), "one round trip: %v", trips.Commands())
		require.NoError(t, f.Err())
		v, err := f.Value()
		require.NoError(t, err)
		assert.Equal(t, 1, v, "int comes back as int")
		assertTTL(t, b.Client, key, 10*time.Minute)
	})
}

func TestSlidingIsCappedByTheDeadline(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Now().Add(30*time.Second), "name", "ada")
		h := hashcodec.NewHash(b.Client, key)
		assert.Equal(t, "ada", h.Get(ctx, "name").String())
		assertTTL(t, b.Client, key, 30*time.Second)

		require.NoError(t, h.Set(ctx, "name", "bob"))
		assertTTL(t, b.Client, key, 30*time.Second)
	})
}

func TestPastDeadlineDeletesTheKey(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Now().Add(time.Hour), "name", "ada")
		require.NoError(t, b.Client.HSet(ctx, key, "#deadline", time.Now().Add(-time.Second).UnixMilli()).Err())

		h := hashcodec.NewHash(b.Client, key)
		f := h.Get(ctx, "name")
		assert.True(t, f.IsNil(), "past its deadline the session is gone")
		assert.NoError(t, f.Err())
		assert.Zero(t, b.Client.Exists(ctx, key).Val(), "and the key is deleted")
		assert.ErrorIs(t, h.Set(ctx, "name", "x"), hashcodec.ErrNotFound)
		assert.Zero(t, b.Client.Exists(ctx, key).Val(), "a write does not bring it back")
	})
}

func TestEveryOperationSlides(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, 20*time.Minute, time.Time{}, "n", "1", "#t:n", "int")
		h := hashcodec.NewHash(b.Client, key)
		ops := map[string]func() error{
			"Get":      func() error { return h.Get(ctx, "n").Err() },
			"GetMulti": func() error { _, err := h.GetMulti(ctx, "n", "m"); return err },
			"GetAll":   func() error { _, err := h.GetAll(ctx); return err },
			"Exists":   func() error { _, err := h.Exists(ctx, "n"); return err },
			"Touch":    func() error { _, err := h.Touch(ctx); return err },
			"Set":      func() error { return h.Set(ctx, "m", 2) },
			"Incr":     func() error { _, err := h.Incr(ctx, "n", 1); return err },
			"Delete":   func() error { _, err := h.Delete(ctx, "m"); return err },
		}
		for name, op := range ops {
			require.NoError(t, b.Client.PExpire(ctx, key, time.Minute).Err())
			require.NoError(t, op(), name)
			assertTTL(t, b.Client, key, 20*time.Minute)
		}
	})
}

func TestForeignHashKeepsItsTTLUnlessAWindowIsGiven(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "py"
		require.NoError(t, b.Client.HSet(ctx, key, "count", "3").Err())
		require.NoError(t, b.Client.Expire(ctx, key, time.Minute).Err())

		plain := hashcodec.NewHash(b.Client, key)
		assert.Equal(t, 3, plain.Get(ctx, "count").Int())
		_, err := plain.Incr(ctx, "count", 1)
		require.NoError(t, err)
		assertTTL(t, b.Client, key, time.Minute)
		assert.False(t, b.Client.HExists(ctx, key, "#t:count").Val(), "no metadata is added to another program's hash")

		windowed := hashcodec.NewHash(b.Client, key, hashcodec.WithIdleTimeout(time.Hour))
		assert.Equal(t, 4, windowed.Get(ctx, "count").Int())
		assertTTL(t, b.Client, key, time.Hour)

		frozen := hashcodec.NewHash(b.Client, key, hashcodec.WithIdleTimeout(0))
		require.NoError(t, b.Client.Expire(ctx, key, time.Minute).Err())
		assert.Equal(t, 4, frozen.Get(ctx, "count").Int())
		assertTTL(t, b.Client, key, time.Minute)
	})
}

// TestReadsAHashWrittenByPythonRedisSession stores what redis-py writes for
// session.count = 42, session.flag = True (redis-py 2.x), a JSON string, a
// float and None, and checks the accessors agree with the Python ones.
func TestReadsAHashWrittenByPythonRedisSession(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "redis:sessions:0d9b2c7e-7a1e-4c1b-9a55-3f1c2d4e5f60c3b1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
		require.NoError(t, b.Client.HSet(ctx, key,
			"count", "42", "padded", " 7 ", "flag", "True", "off", "False", "name", "stefan",
			"profile", `{"roles": ["admin"], "age": 36}`, "ratio", "1.5", "nothing", "None",
			"repr", "{'a': 1}").Err())
		require.NoError(t, b.Client.Expire(ctx, key, time.Hour).Err())
		h := hashcodec.NewHash(b.Client, key)

		assert.Equal(t, 42, h.Get(ctx, "count").Int())
		assert.Equal(t, 7, h.Get(ctx, "padded").Int())
		assert.True(t, h.Get(ctx, "flag").Bool())
		assert.False(t, h.Get(ctx, "off").Bool())
		assert.Equal(t, "stefan", h.Get(ctx, "name").String())
		assert.Equal(t, []byte("stefan"), h.Get(ctx, "name").Raw())
		assert.Equal(t, 1.5, h.Get(ctx, "ratio").Float64())
		var profile struct {
			Roles []string
			Age   int
		}
		require.NoError(t, h.Get(ctx, "profile").JSON(&profile))
		assert.Equal(t, []string{"admin"}, profile.Roles)
		assert.Equal(t, 36, profile.Age)

		none := h.Get(ctx, "nothing")
		assert.False(t, none.IsNil(), `a stored "None" is a value, as in Python`)
		assert.False(t, none.Bool())
		assert.Zero(t, none.Int())

		var m map[string]any
		assert.ErrorIs(t, h.Get(ctx, "repr").JSON(&m), hashcodec.ErrUnparsable)

		missing := h.Get(ctx, "nope")
		assert.True(t, missing.IsNil())
		assert.NoError(t, missing.Err())
		assert.Equal(t, "", missing.String())
		v, err := h.Get(ctx, "count").Value()
		require.NoError(t, err)
		assert.Equal(t, "42", v, "no recorded type: a string")
	})
}

func TestSetWritesReadableTypedValues(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		h := hashcodec.NewHash(b.Client, key)
		when := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		require.NoError(t, h.SetMulti(ctx, map[string]any{
			"name": "stefan", "count": 5, "admin": true, "ratio": 0.25, "seen": when,
			"ttl": 90 * time.Second, "profile": profile{Name: "ada"},
		}))
		raw := b.Client.HGetAll(ctx, key).Val()
		assert.Equal(t, "stefan", raw["name"])
		assert.Equal(t, "5", raw["count"])
		assert.Equal(t, "int", raw["#t:count"])
		assert.Equal(t, "true", raw["admin"])
		assert.Equal(t, "0.25", raw["ratio"])
		assert.Equal(t, "2026-11-25T12:00:00Z", raw["seen"])
		assert.Equal(t, "90000000000", raw["ttl"])
		assert.Equal(t, "gob", raw["#t:profile"])
		assert.NotContains(t, raw, "#t:name", "strings have no type field")

		assert.Equal(t, int64(6), must(h.Incr(ctx, "count", 1)), "HINCRBY works on the stored text")
		for key, want := range map[string]any{"name": "stefan", "count": 6, "admin": true, "ratio": 0.25, "seen": when, "ttl": 90 * time.Second, "profile": profile{Name: "ada"}} {
			v, err := h.Get(ctx, key).Value()
			require.NoError(t, err, key)
			assert.Equal(t, want, v, key)
		}

		require.NoError(t, h.Set(ctx, "count", "many"))
		assert.False(t, b.Client.HExists(ctx, key, "#t:count").Val(), "a string replaces the type field")
		v, err := h.Get(ctx, "count").Value()
		require.NoError(t, err)
		assert.Equal(t, "many", v)
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestWritesNeverCreateAKey(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "gone"
		h := hashcodec.NewHash(b.Client, key)
		assert.ErrorIs(t, h.Set(ctx, "a", 1), hashcodec.ErrNotFound)
		_, err := h.Incr(ctx, "a", 1)
		assert.ErrorIs(t, err, hashcodec.ErrNotFound)
		n, err := h.Delete(ctx, "a")
		assert.NoError(t, err)
		assert.Zero(t, n)
		ok, err := h.Touch(ctx)
		assert.NoError(t, err)
		assert.False(t, ok)
		assert.Zero(t, b.Client.Exists(ctx, key).Val())
	})
}

func TestAKeyOfAnotherTypeReadsAsMissing(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "blob"
		require.NoError(t, b.Client.Set(ctx, key, "gob blob", time.Hour).Err())
		h := hashcodec.NewHash(b.Client, key)
		f := h.Get(ctx, "a")
		assert.True(t, f.IsNil())
		assert.NoError(t, f.Err(), "no WRONGTYPE error")
		all, err := h.GetAll(ctx)
		assert.NoError(t, err)
		assert.Empty(t, all)
		assert.ErrorIs(t, h.Set(ctx, "a", 1), hashcodec.ErrNotFound)
		_, err = h.Incr(ctx, "a", 1)
		assert.ErrorIs(t, err, hashcodec.ErrNotFound)
		assert.Equal(t, "gob blob", b.Client.Get(ctx, key).Val(), "left as it was")
	})
}

func TestReservedPrefixIsEscaped(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		deadline := time.Now().Add(time.Hour)
		newSession(t, b.Client, key, time.Hour, deadline)
		h := hashcodec.NewHash(b.Client, key)
		require.NoError(t, h.Set(ctx, "#deadline", "user data"))
		assert.Equal(t, strconv.FormatInt(deadline.UnixMilli(), 10), b.Client.HGet(ctx, key, "#deadline").Val(), "metadata untouched")
		assert.Equal(t, "user data", b.Client.HGet(ctx, key, "##deadline").Val())
		assert.Equal(t, "user data", h.Get(ctx, "#deadline").String())
		all, err := h.GetAll(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"#deadline"}, keysOf(all), "metadata is not user data")
		n, err := h.Delete(ctx, "#created")
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.True(t, b.Client.HExists(ctx, key, "#created").Val())
	})
}

func keysOf(m map[string]hashcodec.Field) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDeleteRemovesTheValueAndItsType(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		h := hashcodec.NewHash(b.Client, key)
		require.NoError(t, h.SetMulti(ctx, map[string]any{"a": 1, "b": "x"}))
		n, err := h.Delete(ctx, "a", "b", "c")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		assert.ElementsMatch(t, []string{"#created", "#idle", "#n", "#b"}, b.Client.HKeys(ctx, key).Val())
		ok, err := h.Exists(ctx, "a")
		require.NoError(t, err)
		assert.False(t, ok)
	})
}

func TestConcurrentIncrIsExact(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		h := hashcodec.NewHash(b.Client, key)
		const workers, each = 50, 20
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					_, err := h.Incr(ctx, "hits", 1)
					assert.NoError(t, err)
				}
			}()
		}
		wg.Wait()
		v, err := h.Get(ctx, "hits").Value()
		require.NoError(t, err)
		assert.Equal(t, workers*each, v)
		assert.Equal(t, "int", b.Client.HGet(ctx, key, "#t:hits").Val())
	})
}

func TestIncrRespectsTheRecordedType(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		h := hashcodec.NewHash(b.Client, key)
		require.NoError(t, h.SetMulti(ctx, map[string]any{"small": int8(126), "flag": true, "u": uint(1), "text": "abc"}))

		n, err := h.Incr(ctx, "small", 1)
		require.NoError(t, err)
		assert.Equal(t, int64(127), n)
		_, err = h.Incr(ctx, "small", 1)
		assert.ErrorIs(t, err, hashcodec.ErrNotInteger)
		assert.Contains(t, err.Error(), `field "small"`)
		v, _ := h.Get(ctx, "small").Value()
		assert.Equal(t, int8(127), v, "unchanged after the refused increment")

		_, err = h.Incr(ctx, "u", -2)
		assert.ErrorIs(t, err, hashcodec.ErrNotInteger, "uint cannot go negative")
		_, err = h.Incr(ctx, "flag", 1)
		assert.ErrorIs(t, err, hashcodec.ErrNotInteger)
		_, err = h.Incr(ctx, "text", 1)
		assert.ErrorIs(t, err, hashcodec.ErrNotInteger)
		assert.Equal(t, "abc", h.Get(ctx, "text").String())
	})
}

// A refused increment leaves the stored text exactly as it was, however
// large the delta (the undo must not go through a float).
func TestIncrOverflowChangesNothing(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		h := hashcodec.NewHash(b.Client, key)
		require.NoError(t, h.SetMulti(ctx, map[string]any{"small": int8(1), "u": uint32(5)}))
		for _, d := range []int64{1<<53 + 1, 1_000_000_000_000_000_000, -1 << 63, 1<<63 - 1} {
			_, err := h.Incr(ctx, "small", d)
			assert.ErrorIs(t, err, hashcodec.ErrNotInteger, "delta %d", d)
			assert.Equal(t, "1", b.Client.HGet(ctx, key, "small").Val(), "delta %d", d)
			_, err = h.Incr(ctx, "u", -d)
			assert.ErrorIs(t, err, hashcodec.ErrNotInteger, "delta %d", -d)
			assert.Equal(t, "5", b.Client.HGet(ctx, key, "u").Val(), "delta %d", -d)
		}
		_, err := h.Incr(ctx, "new", 1<<62)
		require.NoError(t, err)
		_, err = h.Incr(ctx, "new", 1<<62)
		assert.ErrorIs(t, err, hashcodec.ErrNotInteger, "int64 overflow is refused by HINCRBY itself")
		assert.Equal(t, "4611686018427387904", b.Client.HGet(ctx, key, "new").Val())
	})
}

func TestLimitsAreCheckedBeforeWriting(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		h := hashcodec.NewHash(b.Client, key, hashcodec.WithLimits(hashcodec.Limits{Fields: 2, Bytes: 20}))
		require.NoError(t, h.SetMulti(ctx, map[string]any{"a": 1, "b": 2}))
		require.NoError(t, h.Set(ctx, "a", 3), "replacing a value adds no field")
		assert.ErrorIs(t, h.Set(ctx, "c", 1), hashcodec.ErrLimit)
		_, err := h.Incr(ctx, "c", 1)
		assert.ErrorIs(t, err, hashcodec.ErrLimit)
		assert.ErrorIs(t, h.Set(ctx, "a", "0123456789012345678"), hashcodec.ErrLimit)
		assert.Equal(t, 3, h.Get(ctx, "a").Int(), "nothing written")
		assert.False(t, b.Client.HExists(ctx, key, "c").Val())
		_, err = h.Delete(ctx, "b")
		require.NoError(t, err)
		require.NoError(t, h.Set(ctx, "c", 1), "room again after a delete")
	})
}

// Read-only keys refuse every kind of write, with the reason, and change
// nothing; the other keys stay writable.
func TestReadOnlyKeysRefuseWrites(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		require.NoError(t, hashcodec.NewHash(b.Client, key).Set(ctx, "user_id", "ada"))
		h := hashcodec.NewHash(b.Client, key, hashcodec.WithReadOnlyKeys("it binds the session", "user_id"))
		err := h.Set(ctx, "user_id", "bob")
		require.ErrorIs(t, err, hashcodec.ErrReadOnly)
		assert.Contains(t, err.Error(), "it binds the session")
		assert.ErrorIs(t, h.SetMulti(ctx, map[string]any{"theme": "dark", "user_id": "bob"}), hashcodec.ErrReadOnly)
		_, err = h.Delete(ctx, "user_id")
		assert.ErrorIs(t, err, hashcodec.ErrReadOnly)
		_, err = h.Incr(ctx, "user_id", 1)
		assert.ErrorIs(t, err, hashcodec.ErrReadOnly)
		assert.Equal(t, "ada", h.Get(ctx, "user_id").String(), "nothing written")
		assert.True(t, h.Get(ctx, "theme").IsNil(), "not even the other values of a refused SetMulti")
		require.NoError(t, h.Set(ctx, "theme", "dark"))
	})
}

func TestRedisFailureIsReportedNotMissing(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond, DialerRetries: 1})
		defer c.Close()
		h := hashcodec.NewHash(c, b.Prefix+"s")
		f := h.Get(ctx, "a")
		assert.True(t, f.IsNil())
		require.Error(t, f.Err())
		_, err := f.IntE()
		assert.Equal(t, f.Err(), err)
		assert.NotErrorIs(t, err, hashcodec.ErrMissing)
		assert.Error(t, h.Set(ctx, "a", 1))
	})
}

func TestNewHashErrFailsWithoutIO(t *testing.T) {
	h := hashcodec.NewHashErr(hashcodec.ErrNotFound)
	assert.ErrorIs(t, h.Get(ctx, "a").Err(), hashcodec.ErrNotFound)
	assert.ErrorIs(t, h.Set(ctx, "a", 1), hashcodec.ErrNotFound)
	_, err := h.Incr(ctx, "a", 1)
	assert.ErrorIs(t, err, hashcodec.ErrNotFound)
	_, err = h.GetAll(ctx)
	assert.ErrorIs(t, err, hashcodec.ErrNotFound)
	_, err = h.Delete(ctx, "a")
	assert.ErrorIs(t, err, hashcodec.ErrNotFound)
	_, err = h.Touch(ctx)
	assert.ErrorIs(t, err, hashcodec.ErrNotFound)
}

func TestOneRoundTripPerOperation(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		h := hashcodec.NewHash(b.Client, key)
		warm := func() { // the first call of each script loads it
			h.Get(ctx, "x")
			_, _ = h.GetAll(ctx)
			_ = h.Set(ctx, "x", 1)
			_, _ = h.Incr(ctx, "x", 1)
		}
		warm()
		trips := redistest.CountRoundTrips(b.Client)
		ops := []func(){
			func() { h.Get(ctx, "x") },
			func() { _, _ = h.GetMulti(ctx, "x", "y", "z") },
			func() { _, _ = h.GetAll(ctx) },
			func() { _ = h.SetMulti(ctx, map[string]any{"a": 1, "b": "2"}) },
			func() { _, _ = h.Incr(ctx, "x", 1) },
			func() { _, _ = h.Delete(ctx, "a", "b") },
			func() { _, _ = h.Exists(ctx, "x") },
		}
		for i, op := range ops {
			trips.Reset()
			op()
			assert.Equal(t, 1, trips.RoundTrips(), "op %d: %v", i, trips.Commands())
		}
	})
}

// Several thousand fields in one call stay below Lua's limit on unpacked
// values: the scripts work in chunks.
func TestThousandsOfFieldsInOneCall(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for name, session := range map[string]bool{"session hash": true, "another program's hash": false} {
			t.Run(name, func(t *testing.T) {
				key := b.Prefix + strings.ReplaceAll(name, " ", "-")
				if session {
					newSession(t, b.Client, key, time.Hour, time.Time{})
				} else {
					require.NoError(t, b.Client.HSet(ctx, key, "seed", "1").Err())
				}
				h := hashcodec.NewHash(b.Client, key)
				values := make(map[string]any, 12000)
				keys := make([]string, 0, 12000)
				for i := 0; i < 12000; i++ {
					k := fmt.Sprintf("f%05d", i)
					values[k] = i
					keys = append(keys, k)
				}
				require.NoError(t, h.SetMulti(ctx, values))
				fields, err := h.GetMulti(ctx, keys...)
				require.NoError(t, err)
				require.Len(t, fields, len(keys))
				for i, f := range fields {
					require.Equal(t, i, f.Int(), keys[i])
				}
				n, err := h.Delete(ctx, keys...)
				require.NoError(t, err)
				assert.Equal(t, len(keys), n)
			})
		}
	})
}
