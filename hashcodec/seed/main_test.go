package seed_test

import (
	"testing"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }
