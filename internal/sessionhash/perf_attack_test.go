package sessionhash

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
)

// Fingerprints are taken on first use, by whichever goroutine comes
// first, and shared by copies of the snapshot and by the snapshot after an
// unchanged write: used from many goroutines at once (run with -race) they
// are taken once, and every plan deletes what is gone and writes what
// changed.
func TestFingerprintsAreTakenOnceUnderConcurrentUse(t *testing.T) {
	entries := []Entry{{Field: "a", Raw: "1"}, {Field: "b", Raw: "2", Type: hashcodec.TypeInt}, {Field: "c", Raw: "x"}}
	snap := NewSnapshot(&Record{Key: "k", Entries: entries, Meta: map[string]string{"#deadline": "9"}})
	same := []Entry{{Field: "c", Raw: "x"}, {Field: "a", Raw: "1"}, {Field: "b", Raw: "2", Type: hashcodec.TypeInt}}
	less := []Entry{{Field: "a", Raw: "1"}, {Field: "c", Raw: "y"}}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cp := *snap // a copy, as sessionState.get hands out
			s := &cp
			if i%2 == 0 { // a chain of unchanged writes first
				for j := 0; j < 3; j++ {
					u := s.Plan(same, s.Meta)
					assert.False(t, u.Changes())
					s = s.After(u, same, int64(100+j))
				}
			}
			u := s.Plan(less, s.Meta)
			assert.Equal(t, []any{"c", "y"}, u.Set)
			assert.Equal(t, []string{"b"}, u.DelUser, "the value that is gone is not deleted")
			assert.Len(t, s.Sums(), 3)
		}(i)
	}
	wg.Wait()
	require.Len(t, snap.Sums(), 3)
}
