package sessionhash

import (
	"context"
	"maps"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
)

// DefaultScanCount is the COUNT hint for SCAN: large enough that listing a
// big keyspace takes few round trips, small enough that no single SCAN
// blocks Redis for long.
const DefaultScanCount = 1000

// ScanRecords visits every live session under prefix, on every master of
// a Cluster (or every shard of a Ring), with SCAN MATCH — never KEYS — and
// loads each batch in one pipeline without sliding any TTL. Keys that hold
// no live session (tombstones, other types, hashes without #created,
// sessions past their deadline or cover) are left out. fn receives the
// records of one batch; it may be called from several goroutines at once
// (one per node) but never concurrently for the same node.
func ScanRecords(ctx context.Context, c redis.UniversalClient, prefix string, count int64, fn func([]*Record) error) error {
	if count <= 0 {
		count = DefaultScanCount
	}
	node := func(ctx context.Context, n *redis.Client) error {
		return scanNode(ctx, n, prefix, count, fn)
	}
	switch cc := c.(type) {
	case *redis.ClusterClient:
		return cc.ForEachMaster(ctx, node)
	case *redis.Ring:
		return cc.ForEachShard(ctx, node)
	}
	return scanNode(ctx, c, prefix, count, fn)
}

func scanNode(ctx context.Context, c redis.Cmdable, prefix string, count int64, fn func([]*Record) error) error {
	match := globEscape(prefix) + "*"
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, match, count).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			recs, err := loadBatch(ctx, c, keys)
			if err != nil {
				return err
			}
			if len(recs) > 0 {
				if err := fn(recs); err != nil {
					return err
				}
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// loadBatch loads several sessions in one pipeline of HGETALLs, sliding no
// TTL. Keys that hold no live session are left out.
func loadBatch(ctx context.Context, c redis.Cmdable, keys []string) ([]*Record, error) {
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, key := range keys {
			cmds[i] = p.HGetAll(ctx, key)
		}
		return nil
	})
	if err != nil && !wrongType(err) {
		return nil, err
	}
	now := layout.Now()
	out := make([]*Record, 0, len(keys))
	for i, cmd := range cmds {
		all, err := cmd.Result()
		if err != nil && !wrongType(err) {
			return nil, err
		}
		if _, ok := all[layout.Created]; !ok {
			continue
		}
		rec := parseRecord(keys[i], len(all), maps.All(all))
		rec.LoadedAt = now
		if end := rec.Cap(); end > 0 && end <= now {
			continue
		}
		out = append(out, rec)
	}
	return out, nil
}

// globEscape quotes the characters SCAN MATCH treats specially.
func globEscape(s string) string {
	return globReplacer.Replace(s)
}

var globReplacer = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
