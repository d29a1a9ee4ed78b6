package gorillastore

import (
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// The store remembers each session it loaded or saved beside it; that
// memory must go when the session is garbage collected.
func TestLoadStateIsForgottenWithTheSession(t *testing.T) {
	mr := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer c.Close()
	s, err := New(c, []byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	for i := 0; i < 100; i++ {
		session, _ := s.New(httptest.NewRequest("GET", "/", nil), "sid")
		session.Values["n"] = i
		require.NoError(t, s.Save(httptest.NewRequest("GET", "/", nil), httptest.NewRecorder(), session))
	}
	require.Positive(t, s.states.len())
	deadline := time.Now().Add(5 * time.Second)
	for s.states.len() > 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	require.Zero(t, s.states.len())
}

func (t *stateTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}
