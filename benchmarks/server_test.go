package benchmarks

import (
	"context"
	"strconv"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/scripts"
)

// BenchmarkServerCost shows where Redis's time goes in this store's round
// trips, one command shape at a time on a small session hash (5 values of
// 30 bytes and the metadata), next to the plain commands a blob store
// sends: way=ping (the floor), way=get and way=set (a blob store's load and
// commit of a 300-byte blob), way=hset (a plain write of one value and the
// counters), way=script-empty (EVALSHA of "return 1"), way=script-hmget-hset
// (the two calls a delta commit makes, through Lua), way=commit (the real
// delta commit of one value), way=load (the real load: a MULTI of the touch
// script and HGETALL) and way=load-plain (a MULTI of PEXPIRETIME and
// HGETALL, what a load would cost with no script).
func BenchmarkServerCost(b *testing.B) {
	ctx := context.Background()
	c, ctr := goRedisClient(b)
	key, blob := "cost:"+strconv.Itoa(int(sentBytes.Load())), "cost:blob"
	fields := []any{"#created", "1", "#deadline", "99999999999999", "#idle", "0", "#n", "5", "#b", "170"}
	for i := 0; i < small.fields; i++ {
		fields = append(fields, small.key(i), small.value())
	}
	if err := c.HSet(ctx, key, fields...).Err(); err != nil {
		b.Fatal(err)
	}
	c.PExpire(ctx, key, 1e9)
	c.Set(ctx, blob, strings.Repeat("x", 300), 0)
	bare := goredis.NewScript("return 1")
	twoCalls := goredis.NewScript("redis.call('HMGET', KEYS[1], '#created', '#deadline', '#uexp', '#user', '#n', '#b', 'counter', '#t:counter') " +
		"redis.call('HSET', KEYS[1], 'counter', ARGV[1], '#t:counter', 'i', '#n', 6, '#b', 200) return 1")
	for _, s := range []*goredis.Script{bare, twoCalls, scripts.Commit, scripts.Touch} {
		s.Load(ctx, c)
	}
	n := 0
	ways := []struct {
		name string
		op   func() error
	}{
		{"ping", func() error { return c.Ping(ctx).Err() }},
		{"get", func() error { return c.Get(ctx, blob).Err() }},
		{"set", func() error { return c.Set(ctx, blob, strings.Repeat("y", 300), 0).Err() }},
		{"hset", func() error {
			n++
			return c.HSet(ctx, key, "counter", n, "#t:counter", "i", "#n", 6, "#b", 200).Err()
		}},
		{"script-empty", func() error { return bare.EvalSha(ctx, c, []string{key}).Err() }},
		{"script-hmget-hset", func() error { n++; return twoCalls.EvalSha(ctx, c, []string{key}, n).Err() }},
		{"commit", func() error {
			n++
			return scripts.Commit.EvalSha(ctx, c, []string{key}, 1000, 0, 0, 0, 0, "", 1, 3, 0,
				"counter", strconv.Itoa(n), "#t:counter", "i", "#n", "", "#b", "").Err()
		}},
		{"load", func() error {
			p := c.TxPipeline()
			scripts.Touch.EvalSha(ctx, p, []string{key}, 1000, 0, 1000)
			p.HGetAll(ctx, key)
			_, err := p.Exec(ctx)
			return err
		}},
		{"load-plain", func() error {
			p := c.TxPipeline()
			p.Do(ctx, "pexpiretime", key)
			p.HGetAll(ctx, key)
			_, err := p.Exec(ctx)
			return err
		}},
	}
	for _, w := range ways {
		b.Run("way="+w.name, func(b *testing.B) {
			measure(b, counterTrips(ctr), func() {
				if err := w.op(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
