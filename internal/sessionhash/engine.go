package sessionhash

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Slide values for Load.
const (
	// SlideFromMeta slides by the session's own #idle.
	SlideFromMeta time.Duration = -1
	// NoSlide leaves the TTL alone (listing sessions must not extend them).
	NoSlide time.Duration = 0
)

// Load reads the session at key and slides its TTL in the same round trip
// (by idle, or see SlideFromMeta and NoSlide). ok is false when there is no
// session at key: missing, of another type, without session metadata, or
// past its deadline.
func Load(ctx context.Context, c redis.Scripter, key string, idle time.Duration) (rec *Record, ok bool, err error) {
	flat, err := loadScript.Run(ctx, c, []string{key}, nowArg(), int64(idle)).Slice()
	return loaded(key, flat, err)
}

func loaded(key string, flat []any, err error) (*Record, bool, error) {
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return parseRecord(key, flat), true, nil
}

func nowArg() string { return strconv.FormatInt(time.Now().UnixNano(), 10) }

// loadBatch loads several sessions in one pipeline without sliding their
// TTLs, for listings. Keys that hold no session are left out. If the node
// lost its script cache (a restart, a failover, SCRIPT FLUSH), the script
// is loaded and the batch retried once.
func loadBatch(ctx context.Context, c redis.Cmdable, keys []string) ([]*Record, error) {
	recs, err := pipelineLoads(ctx, c, keys)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if err := loadScript.Load(ctx, c).Err(); err != nil {
			return nil, err
		}
		recs, err = pipelineLoads(ctx, c, keys)
	}
	return recs, err
}

func pipelineLoads(ctx context.Context, c redis.Cmdable, keys []string) ([]*Record, error) {
	cmds := make([]*redis.Cmd, len(keys))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, key := range keys {
			cmds[i] = loadScript.EvalSha(ctx, p, []string{key}, nowArg(), int64(NoSlide))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]*Record, 0, len(keys))
	for i, cmd := range cmds {
		flat, err := cmd.Slice()
		rec, ok, err := loaded(keys[i], flat, err)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, rec)
		}
	}
	return out, nil
}

// ErrGone reports a commit that was not applied because the session it
// updates no longer exists (deleted or expired while the request ran).
// Stores treat it as success: the session is over, nothing is resurrected.
var ErrGone = errors.New("session no longer exists")

// Run sends the write in one round trip. It returns ErrGone when an update
// found its session gone and wrote nothing.
func (w *Write) Run(ctx context.Context, c redis.Scripter) error {
	args := make([]any, 0, 3+len(w.Set)+len(w.Del))
	mode := "u"
	if w.Create {
		mode = "c"
	}
	args = append(args, mode, ttlMillis(w.TTL), len(w.Set)/2)
	args = append(args, w.Set...)
	for _, f := range w.Del {
		args = append(args, f)
	}
	n, err := commitScript.Run(ctx, c, []string{w.Key}, args...).Int64()
	if err != nil {
		return fmt.Errorf("commit %s: %w", w.Key, err)
	}
	if n == 0 {
		return ErrGone
	}
	return nil
}

// ttlMillis rounds a positive TTL up to whole milliseconds, so a session is
// never cut short, and maps a spent one to 0 (delete).
func ttlMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// DetachedContext returns a context for a commit or delete that a client
// disconnecting must not abort: ctx's values without its cancellation,
// bounded by timeout instead.
func DetachedContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}
