package userindex

import (
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/scripts"
)

func scriptsPrune(c redis.UniversalClient, key, token string, score float64) error {
	return scripts.IndexPrune.Run(ctx, c, []string{key}, Margin.Milliseconds(), token, score).Err()
}
