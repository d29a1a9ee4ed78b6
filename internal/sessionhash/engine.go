package sessionhash

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/slide"
)

// Slide values for Load.
const (
	// SlideFromMeta slides by the session's own #idle.
	SlideFromMeta = slide.FromMeta
	// NoSlide leaves the TTL alone (listing sessions must not extend them).
	NoSlide = slide.Off
)

// Load reads the session at key and slides its TTL in the same round trip
// (by idle, or see SlideFromMeta and NoSlide). ok is false when there is no
// session at key: missing, of another type, without session metadata, or
// past its deadline.
func Load(ctx context.Context, c redis.Cmdable, key string, idle time.Duration) (rec *Record, ok bool, err error) {
	all, ok, err := slide.ReadAll(ctx, c, key, idle, true)
	if err != nil || !ok {
		return nil, false, err
	}
	return parseRecord(key, all), true, nil
}

// loadBatch loads several sessions in one pipeline of HGETALLs, sliding no
// TTL, for listings. Keys that hold no session are left out.
func loadBatch(ctx context.Context, c redis.Cmdable, keys []string) ([]*Record, error) {
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, key := range keys {
			cmds[i] = p.HGetAll(ctx, key)
		}
		return nil
	})
	if err != nil && !redis.HasErrorPrefix(err, "WRONGTYPE") {
		return nil, err
	}
	out := make([]*Record, 0, len(keys))
	for i, cmd := range cmds {
		all, err := cmd.Result()
		if err != nil && !redis.HasErrorPrefix(err, "WRONGTYPE") {
			return nil, err
		}
		if _, ok := all[layout.Created]; ok {
			out = append(out, parseRecord(keys[i], all))
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
	args := make([]any, 0, 6+len(w.Set)+len(w.Del))
	mode := "u"
	if w.Create {
		mode = "c"
	}
	var ttl any = ttlMillis(w.TTL)
	if w.KeepTTL {
		ttl = "keep"
	}
	cover := "0"
	if !w.Cover.IsZero() {
		cover = FormatTime(w.Cover)
	}
	args = append(args, mode, ttl, time.Now().UnixMilli(), cover, w.CoverUser, len(w.Set)/2)
	args = append(args, w.Set...)
	for _, f := range w.Del {
		args = append(args, f)
	}
	n, err := commitScript.Run(ctx, c, []string{w.Key}, args...).Int64()
	if err != nil {
		return fmt.Errorf("commit %s: %w", layout.Redact(w.Key), err)
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
