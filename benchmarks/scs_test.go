package benchmarks

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// scsStore is one store under test.
type scsStore struct {
	name string
	make func(b *testing.B) (store scs.Store, codec scs.Codec, trips func() int64)
}

var scsStores = []scsStore{
	{"hash-fast", func(b *testing.B) (scs.Store, scs.Codec, func() int64) {
		c, ctr := goRedisClient(b)
		s := scsstore.New(c, scsstore.WithPrefix(redistest.UniquePrefix()), scsstore.WithCodec(scsstore.Codec{}))
		return s, s.Codec(), counterTrips(ctr)
	}},
	{"hash-gob", func(b *testing.B) (scs.Store, scs.Codec, func() int64) {
		c, ctr := goRedisClient(b)
		s := scsstore.New(c, scsstore.WithPrefix(redistest.UniquePrefix()))
		return s, s.Codec(), counterTrips(ctr)
	}},
	{"goredisstore", func(b *testing.B) (scs.Store, scs.Codec, func() int64) {
		c, ctr := goRedisClient(b)
		return goredisstore.NewWithPrefix(c, redistest.UniquePrefix()), scs.GobCodec{}, counterTrips(ctr)
	}},
	{"redisstore", func(b *testing.B) (scs.Store, scs.Codec, func() int64) {
		pool, writes := redigoPool(b)
		return redisstore.NewWithPrefix(pool, redistest.UniquePrefix()), scs.GobCodec{}, writes.Load
	}},
}

// scsBench is a SessionManager on one store, with one session of a given
// shape already created. Its handler either changes one value (write) or
// only reads one.
type scsBench struct {
	h      http.Handler
	cookie *http.Cookie
	store  scs.Store
	codec  scs.Codec
	trips  func() int64
}

func newSCSBench(b *testing.B, st scsStore, sh shape, idle time.Duration, write bool) *scsBench {
	store, codec, trips := st.make(b)
	sm := scs.New()
	sm.Store, sm.Codec, sm.IdleTimeout = store, codec, idle
	n := 0
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if !sm.Exists(ctx, sh.key(0)) {
			for i := 0; i < sh.fields; i++ {
				sm.Put(ctx, sh.key(i), sh.value())
			}
			return
		}
		if write {
			n++
			sm.Put(ctx, "counter", n)
			return
		}
		_ = sm.GetString(ctx, sh.key(0))
	}))
	return &scsBench{h: h, cookie: serve(b, h, nil), store: store, codec: codec, trips: trips}
}

// BenchmarkSCSCycle: one request through LoadAndSave that loads the
// session, changes one value and commits.
func BenchmarkSCSCycle(b *testing.B) {
	for _, sh := range []shape{small, large} {
		for _, st := range scsStores {
			b.Run("size="+sh.name+"/store="+st.name, func(b *testing.B) {
				s := newSCSBench(b, st, sh, 0, true)
				measure(b, s.trips, func() { serve(b, s.h, s.cookie) })
			})
		}
	}
}

// BenchmarkSCSReadOnlyIdle: a request that only reads, with IdleTimeout
// set, so scs commits every loaded session to extend it. Blob stores
// rewrite the whole blob; the hash store only slides the TTL.
func BenchmarkSCSReadOnlyIdle(b *testing.B) {
	for _, sh := range []shape{small, large} {
		for _, st := range scsStores {
			b.Run("size="+sh.name+"/store="+st.name, func(b *testing.B) {
				s := newSCSBench(b, st, sh, 30*time.Minute, false)
				measure(b, s.trips, func() { serve(b, s.h, s.cookie) })
			})
		}
	}
}

// BenchmarkSCSIdleCommit isolates the commit half of that read-only
// request: scs encodes the unchanged session with its codec and hands it
// to the store with a new expiry.
func BenchmarkSCSIdleCommit(b *testing.B) {
	ctx := context.Background()
	for _, sh := range []shape{small, large} {
		for _, st := range scsStores {
			b.Run("size="+sh.name+"/store="+st.name, func(b *testing.B) {
				s := newSCSBench(b, st, sh, 30*time.Minute, false)
				token := s.cookie.Value
				blob, found, err := find(ctx, s.store, token)
				if err != nil || !found {
					b.Fatalf("find: %v %v", found, err)
				}
				deadline, values, err := s.codec.Decode(blob)
				if err != nil {
					b.Fatal(err)
				}
				measure(b, s.trips, func() {
					out, err := s.codec.Encode(deadline, values)
					if err == nil {
						err = commit(ctx, s.store, token, out, time.Now().Add(30*time.Minute))
					}
					if err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

func find(ctx context.Context, s scs.Store, token string) ([]byte, bool, error) {
	if cs, ok := s.(scs.CtxStore); ok {
		return cs.FindCtx(ctx, token)
	}
	return s.Find(token)
}

func commit(ctx context.Context, s scs.Store, token string, b []byte, expiry time.Time) error {
	if cs, ok := s.(scs.CtxStore); ok {
		return cs.CommitCtx(ctx, token, b, expiry)
	}
	return s.Commit(token, b, expiry)
}

// BenchmarkSCSThroughput: the small-session cycle from 64 concurrent
// clients, each with its own session.
func BenchmarkSCSThroughput(b *testing.B) {
	for _, st := range scsStores {
		b.Run("store="+st.name, func(b *testing.B) {
			s := newSCSBench(b, st, small, 0, true)
			throughput(b, s.h, s.trips)
		})
	}
}
