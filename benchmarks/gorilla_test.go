package benchmarks

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/boj/redistore"
	redistorev2 "github.com/boj/redistore/v2"
	"github.com/gorilla/sessions"
	rbcervilla "github.com/rbcervilla/redisstore/v9"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var gorillaKey = []byte("0123456789abcdef0123456789abcdef")

// gorillaStore is one gorilla store under test. idleSaves says whether a
// read-only request must call Save to keep the session alive: the blob
// stores (boj v1 and v2, rbcervilla) only set the TTL on Save (SETEX or
// SET EX with the whole blob) and have no call that extends it on load, so
// a user who wants an idle timeout saves on every request; gorillastore
// extends it on every load.
type gorillaStore struct {
	name      string
	idleSaves bool
	make      func(b *testing.B, idle time.Duration) (sessions.Store, func() int64)
}

var gorillaStores = []gorillaStore{
	{"hash", false, func(b *testing.B, idle time.Duration) (sessions.Store, func() int64) {
		c, ctr := goRedisClient(b)
		s, err := gorillastore.New(c, gorillaKey)
		if err != nil {
			b.Fatal(err)
		}
		s.KeyPrefix = redistest.UniquePrefix()
		s.IdleTimeout = idle
		return s, counterTrips(ctr)
	}},
	{"boj-redistore-v1", true, func(b *testing.B, idle time.Duration) (sessions.Store, func() int64) {
		pool, writes := redigoPool(b)
		s, err := redistore.NewRediStoreWithPool(pool, gorillaKey)
		if err != nil {
			b.Fatal(err)
		}
		s.SetKeyPrefix(redistest.UniquePrefix())
		s.SetMaxLength(1 << 20) // the 4096-byte default refuses the large session
		if idle > 0 {
			s.SetMaxAge(int(idle / time.Second))
		}
		return s, writes.Load
	}},
	{"boj-redistore-v2", true, func(b *testing.B, idle time.Duration) (sessions.Store, func() int64) {
		pool, writes := redigoPool(b)
		opts := []redistorev2.Option{
			redistorev2.WithPool(pool),
			redistorev2.WithKeyPrefix(redistest.UniquePrefix()),
			redistorev2.WithMaxLength(1 << 20), // the 4096-byte default refuses the large session
		}
		if idle > 0 {
			// The cookie's Max-Age and the SETEX TTL. Unlike v1's SetMaxAge
			// it leaves securecookie's own 30-day timestamp limit alone,
			// which costs the same to check.
			opts = append(opts, redistorev2.WithMaxAge(int(idle/time.Second)))
		}
		// NewStore PINGs once, before the measurement starts.
		s, err := redistorev2.NewStore(redistorev2.Keys(gorillaKey), opts...)
		if err != nil {
			b.Fatal(err)
		}
		return s, writes.Load
	}},
	// rbcervilla has no key pairs: its cookie is the bare session ID, with
	// no securecookie signing or encryption, so its client CPU has none of
	// that work in it. It has no size limit to raise. Its MaxAge is the
	// SET EX TTL, and a MaxAge <= 0 deletes the session on Save, so with no
	// idle timeout it keeps its 30-day default, as boj does.
	{"rbcervilla-redisstore", true, func(b *testing.B, idle time.Duration) (sessions.Store, func() int64) {
		c, ctr := goRedisClient(b)
		// NewRedisStore PINGs once, before the measurement starts.
		s, err := rbcervilla.NewRedisStore(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		s.KeyPrefix(redistest.UniquePrefix())
		if idle > 0 {
			s.Options(sessions.Options{Path: "/", MaxAge: int(idle / time.Second)})
		}
		return s, counterTrips(ctr)
	}},
}

// gorillaApp serves one session of the given shape: a request either
// changes one value and saves, or only reads (and saves only if the store
// needs a Save to extend the session).
func gorillaApp(b *testing.B, st gorillaStore, sh shape, idle time.Duration, write bool) (http.Handler, *http.Cookie, func() int64) {
	store, trips := st.make(b, idle)
	n := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, "s")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		switch {
		case s.IsNew:
			for i := 0; i < sh.fields; i++ {
				s.Values[sh.key(i)] = sh.value()
			}
		case write:
			n++
			s.Values["counter"] = n
		default:
			_ = s.Values[sh.key(0)]
			if !st.idleSaves {
				return
			}
		}
		if err := s.Save(r, w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	return h, serve(b, h, nil), trips
}

// BenchmarkGorillaCycle: load, change one value, save.
func BenchmarkGorillaCycle(b *testing.B) {
	for _, sh := range []shape{small, large} {
		for _, st := range gorillaStores {
			b.Run("size="+sh.name+"/store="+st.name, func(b *testing.B) {
				h, cookie, trips := gorillaApp(b, st, sh, 0, true)
				measure(b, trips, func() { serve(b, h, cookie) })
			})
		}
	}
}

// BenchmarkGorillaReadOnlyIdle: a read-only request that keeps a 30-minute
// idle session alive: gorillastore's IdleTimeout slides on load; boj (v1
// and v2) and rbcervilla need a Save that rewrites the blob.
func BenchmarkGorillaReadOnlyIdle(b *testing.B) {
	for _, sh := range []shape{small, large} {
		for _, st := range gorillaStores {
			b.Run("size="+sh.name+"/store="+st.name, func(b *testing.B) {
				h, cookie, trips := gorillaApp(b, st, sh, 30*time.Minute, false)
				measure(b, trips, func() { serve(b, h, cookie) })
			})
		}
	}
}

// BenchmarkGorillaThroughput: the small-session cycle from 64 concurrent
// clients.
func BenchmarkGorillaThroughput(b *testing.B) {
	for _, st := range gorillaStores {
		b.Run("store="+st.name, func(b *testing.B) {
			h, _, trips := gorillaApp(b, st, small, 0, true)
			throughput(b, h, trips)
		})
	}
}
