package benchmarks

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// sizes are the session sizes of the cost-against-size table: 5, 50, 200
// and 1000 values of 100 bytes (0.5 KB to 100 KB of data).
var sizes = []shape{
	{"5", 5, 100}, {"50", 50, 100}, {"200", 200, 100}, {"1000", 1000, 100},
}

// BenchmarkSCSBySize: what each scs operation costs as a session grows,
// for this store with its fast codec and for the two blob stores: op=load
// (find and decode, what every request starts with), op=commit-one (the
// whole request that changes one value) and op=read-only (the whole request
// that only reads, under IdleTimeout).
func BenchmarkSCSBySize(b *testing.B) {
	ctx := context.Background()
	stores := []scsStore{scsStores[0], scsStores[2], scsStores[3]}
	for _, sh := range sizes {
		for _, st := range stores {
			name := "fields=" + strconv.Itoa(sh.fields) + "/store=" + st.name
			b.Run("op=load/"+name, func(b *testing.B) {
				s := newSCSBench(b, st, sh, 0, false)
				measure(b, s.trips, func() {
					blob, found, err := find(ctx, s.store, s.cookie.Value)
					if err == nil && found {
						_, _, err = s.codec.Decode(blob)
					}
					if err != nil || !found {
						b.Fatal("load:", found, err)
					}
				})
			})
			b.Run("op=commit-one/"+name, func(b *testing.B) {
				s := newSCSBench(b, st, sh, 0, true)
				measure(b, s.trips, func() { serve(b, s.h, s.cookie) })
			})
			b.Run("op=read-only/"+name, func(b *testing.B) {
				s := newSCSBench(b, st, sh, 30*time.Minute, false)
				measure(b, s.trips, func() { serve(b, s.h, s.cookie) })
			})
		}
	}
}
