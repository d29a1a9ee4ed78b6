package sessionhash

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// DefaultScanCount is the COUNT hint for SCAN: large enough that listing a
// big keyspace takes few round trips, small enough that no single SCAN
// blocks Redis for long.
const DefaultScanCount = 1000

// ScanRecords visits every session under prefix, on every master of a
// Cluster (or every shard of a Ring), with SCAN MATCH — never KEYS — and
// loads each batch in one pipeline without sliding any TTL. fn receives the
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

// globEscape quotes the characters SCAN MATCH treats specially.
func globEscape(s string) string {
	return globReplacer.Replace(s)
}

var globReplacer = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
