package benchmarks

import (
	"context"
	"testing"

	"github.com/redis-session/redis-session-go/scsstore"
)

// BenchmarkFieldRead: one value out of the 200-field session, read with
// hashcodec (one HMGET) versus loading the whole session the way the
// framework does (find + decode), for this store and the blob store. A bare
// PING shows what one round trip costs on its own.
func BenchmarkFieldRead(b *testing.B) {
	ctx := context.Background()
	want := large.key(100)
	b.Run("way=ping", func(b *testing.B) { // the floor: one round trip that does nothing
		c, ctr := goRedisClient(b)
		measure(b, counterTrips(ctr), func() {
			if err := c.Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("way=hashcodec-get", func(b *testing.B) {
		s := newSCSBench(b, scsStores[0], large, 0, false)
		fields := s.store.(*scsstore.Store).Fields(s.cookie.Value)
		measure(b, s.trips, func() {
			if fields.Get(ctx, want).String() == "" {
				b.Fatal("missing")
			}
		})
	})
	for _, st := range []scsStore{scsStores[0], scsStores[2]} {
		b.Run("way=load-"+st.name, func(b *testing.B) {
			s := newSCSBench(b, st, large, 0, false)
			measure(b, s.trips, func() {
				blob, _, err := find(ctx, s.store, s.cookie.Value)
				if err != nil {
					b.Fatal(err)
				}
				_, values, err := s.codec.Decode(blob)
				if err != nil || values[want] == nil {
					b.Fatal("missing", err)
				}
			})
		})
	}
}
