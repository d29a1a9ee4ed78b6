package hashcodec_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
)

// The README's quick start (compiled, not run: it needs a Redis).
func Example_quickStart() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	// Any hash, e.g. one another app wrote; no I/O yet. A session's reads
	// slide its expiry by its own #idle; another program's hash has none,
	// so give the window it uses (a shorter one would cut its sessions short).
	h := hashcodec.NewHash(rdb, "redis:sessions:42", hashcodec.WithIdleTimeout(time.Hour))

	f := h.Get(ctx, "count") // one round trip, which slides the expiry
	fmt.Println(f.Int())     // 0 when missing or unparsable, like Python's .int
	if f.IsNil() && f.Err() == nil {
		fmt.Println("no such field")
	}
	if _, err := f.Int64E(); errors.Is(err, hashcodec.ErrUnparsable) {
		fmt.Println("not a number")
	}

	total, err := h.Incr(ctx, "count", 1) // atomic HINCRBY: no lost increments
	fmt.Println(total, err)
	err = h.Set(ctx, "name", "stefan") // typed encode; never creates a missing key
	fmt.Println(errors.Is(err, hashcodec.ErrNotFound))
}
