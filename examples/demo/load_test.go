//go:build stress

package main

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

// TestDemoUnderLoad drives the demo with 64 concurrent clients on a real
// Redis: 16 users, each with 4 clients sharing one session cookie (four
// tabs). Every client counts visits with Incr and adds its own cart item,
// so concurrent writes to one session touch different fields. Redis is
// healthy: no request may fail, every visit must be counted and every
// item kept. It prints the figures.
func TestDemoUnderLoad(t *testing.T) {
	for _, store := range []string{"scs", "gorilla"} {
		t.Run(store, func(t *testing.T) {
			srv := redistest.SharedServer(t)
			base := startDemo(t, config{store: store, redisURL: "redis://" + srv.Addr + "/0"})
			const users, tabs, rounds = 16, 4, 40
			items := []string{"apple", "pear", "plum", "fig"}

			var (
				requests, errors5xx, failed atomic.Int64
				mu                          sync.Mutex
				latencies                   []time.Duration
			)
			post := func(c *client, path string, form url.Values) {
				start := time.Now()
				res, err := c.http.PostForm(c.base+path, form)
				took := time.Since(start)
				requests.Add(1)
				if err != nil {
					failed.Add(1)
					return
				}
				res.Body.Close()
				if res.StatusCode >= 500 {
					errors5xx.Add(1)
				}
				mu.Lock()
				latencies = append(latencies, took)
				mu.Unlock()
			}

			browsers := make([]*client, users)
			for u := range browsers {
				browsers[u] = newBrowser(t, base)
				browsers[u].call(http.MethodPost, "/api/login", url.Values{"user": {fmt.Sprintf("user%d", u)}}, nil)
			}
			start := time.Now()
			var wg sync.WaitGroup
			for u := 0; u < users; u++ {
				for tab := 0; tab < tabs; tab++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						c := browsers[u].tab()
						for i := 0; i < rounds; i++ {
							post(c, "/api/visit", nil)
							post(c, "/api/cart", url.Values{"item": {items[tab]}})
						}
					}()
				}
			}
			wg.Wait()
			elapsed := time.Since(start)

			sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
			pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
			t.Logf("%s: %d requests from %d clients in %v: %.0f req/s, p50 %v, p95 %v, p99 %v, %d 5xx, %d transport errors",
				store, requests.Load(), users*tabs, elapsed.Round(time.Millisecond), float64(requests.Load())/elapsed.Seconds(),
				pct(0.50).Round(time.Microsecond), pct(0.95).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
				errors5xx.Load(), failed.Load())
			require.Zero(t, errors5xx.Load(), "no 5xx while Redis is healthy")
			require.Zero(t, failed.Load())

			want := map[string]int{}
			for _, item := range items {
				want[item] = rounds
			}
			for u, br := range browsers {
				s := br.state()
				assert.Equal(t, fmt.Sprintf("user%d", u), s.User)
				assert.Equal(t, tabs*rounds, s.Visits, "user%d: every visit counted (Incr)", u)
				assert.Equal(t, want, s.Cart, "user%d: every tab's item kept", u)
			}
		})
	}
}
