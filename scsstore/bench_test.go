package scsstore_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// benchClient is the package's real redis-server when there is one, so
// timings include a real round trip; miniredis otherwise.
func benchClient(b *testing.B) redis.UniversalClient {
	var c *redis.Client
	if _, err := redistest.Binary(); err == nil {
		c = redistest.SharedServer(b).Client()
	} else {
		c = redis.NewClient(&redis.Options{Addr: redistest.NewMini(b).Addr()})
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

// BenchmarkRequestCycle measures one request through LoadAndSave that loads
// the session, changes one value and commits, for both codecs.
func BenchmarkRequestCycle(b *testing.B) {
	c := benchClient(b)
	for _, size := range []struct {
		name   string
		fields int
		value  int
	}{{"small", 5, 30}, {"large", 200, 250}} {
		for _, codec := range []struct {
			name string
			opt  []scsstore.Option
		}{{"gob", nil}, {"fast", []scsstore.Option{scsstore.WithCodec(scsstore.Codec{})}}} {
			b.Run(size.name+"/"+codec.name, func(b *testing.B) {
				store := scsstore.New(c, append(codec.opt, scsstore.WithPrefix(redistest.UniquePrefix()))...)
				sm := scs.New()
				sm.Store, sm.Codec = store, store.Codec()
				n := 0
				handler := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if sm.Exists(r.Context(), "f0") {
						n++
						sm.Put(r.Context(), "counter", n)
						return
					}
					for i := 0; i < size.fields; i++ {
						sm.Put(r.Context(), fmt.Sprintf("f%d", i), strings.Repeat("x", size.value))
					}
				}))
				cookie := serve(b, handler, nil)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					serve(b, handler, cookie)
				}
			})
		}
	}
}

func serve(b *testing.B, h http.Handler, cookie *http.Cookie) *http.Cookie {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if cs := rec.Result().Cookies(); len(cs) > 0 {
		return cs[0]
	}
	return cookie
}
