package sessionhash

import (
	"context"

	"github.com/redis/go-redis/v9"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
)

func record() *Record {
	return parseRecord("k", map[string]string{
		"#created": "1", "#deadline": "2", "#idle": "3",
		"name": "ada", "count": "5", "#t:count": "int", "##x": "y", "#k:int:1": "2", "#t:#k:int:1": "int",
	})
}

func TestParseRecord(t *testing.T) {
	r := record()
	assert.Equal(t, map[string]string{"#created": "1", "#deadline": "2", "#idle": "3"}, r.Meta)
	assert.ElementsMatch(t, []Entry{
		{Field: "name", Raw: "ada"},
		{Field: "count", Raw: "5", Type: hashcodec.TypeInt},
		{Field: "##x", Raw: "y"},
		{Field: "#k:int:1", Raw: "2", Type: hashcodec.TypeInt},
	}, r.Entries)
	assert.Equal(t, time.Duration(3), r.Idle())
	assert.Equal(t, time.Unix(0, 2).UTC(), r.Deadline())
}

func TestPlanWritesOnlyWhatChanged(t *testing.T) {
	r := record()
	snap := NewSnapshot(r)
	entries := []Entry{
		{Field: "name", Raw: "ada"},                         // unchanged
		{Field: "count", Raw: "6", Type: hashcodec.TypeInt}, // changed value
		{Field: "##x", Raw: "y", Type: hashcodec.TypeBytes}, // changed type only
		{Field: "new", Raw: "1"},                            // added
	} // "#k:int:1" removed
	w := Plan(snap, "k", entries, map[string]string{"#deadline": "2", "#idle": "4"}, time.Minute)
	assert.False(t, w.Create)
	assert.ElementsMatch(t, []any{
		"count", "6", "#t:count", "int",
		"##x", "y", "#t:##x", "bytes",
		"new", "1",
		"#idle", "4",
	}, w.Set)
	assert.ElementsMatch(t, []string{"#t:new", "#k:int:1", "#t:#k:int:1"}, w.Del)

	same := Plan(snap, "k", r.Entries, r.Meta, time.Minute)
	assert.Empty(t, same.Set, "a read-only commit writes no field")
	assert.Empty(t, same.Del)
}

func TestResultIsWhatTheWriteLeaves(t *testing.T) {
	r := record()
	snap := NewSnapshot(r)
	entries := []Entry{{Field: "name", Raw: "grace"}}
	w := Plan(snap, "k", entries, map[string]string{"#idle": "4"}, time.Minute)
	after := w.Result(snap, entries, map[string]string{"#idle": "4"})
	assert.Equal(t, map[string]string{"#created": "1", "#deadline": "2", "#idle": "4"}, after.Meta)
	assert.Empty(t, Plan(after, "k", entries, after.Meta, time.Minute).Set, "a commit of the same values writes nothing more")

	cover := time.Unix(0, 99)
	w.Cover = cover
	assert.Equal(t, FormatTime(cover), w.Result(snap, entries, nil).Meta["#uexp"], "a cover set by the write")
	w.CoverUser = "u"
	assert.NotContains(t, w.Result(snap, entries, nil).Meta, "#uexp",
		"a guarded cover may not have been applied, so it is not assumed")
}

func TestPlanCreatesWithoutASnapshotOfThatKey(t *testing.T) {
	r := record()
	for _, snap := range []*Snapshot{nil, NewSnapshot(r)} {
		w := Plan(snap, "other", r.Entries, map[string]string{"#created": "9"}, time.Minute)
		assert.True(t, w.Create)
		assert.Len(t, w.Set, 2*(len(r.Entries)+2+1), "every entry, its type, and the metadata")
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	snap := NewSnapshot(record())
	got, err := UnmarshalSnapshot(snap.MarshalBinary())
	require.NoError(t, err)
	assert.Equal(t, snap, got)
}

func FuzzUnmarshalSnapshot(f *testing.F) {
	f.Add(NewSnapshot(record()).MarshalBinary())
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := UnmarshalSnapshot(b)
		if err != nil {
			return
		}
		again, err := UnmarshalSnapshot(snap.MarshalBinary())
		require.NoError(t, err)
		assert.Equal(t, snap, again)
	})
}

func TestTTLMillisNeverCutsShort(t *testing.T) {
	assert.Equal(t, int64(0), ttlMillis(0))
	assert.Equal(t, int64(0), ttlMillis(-time.Second))
	assert.Equal(t, int64(1), ttlMillis(time.Nanosecond))
	assert.Equal(t, int64(1500), ttlMillis(1500*time.Millisecond))
}

func TestGlobEscape(t *testing.T) {
	assert.Equal(t, `a\*b\?c\[d\]e\\f`, globEscape(`a*b?c[d]e\f`))
}

func TestErrorsDoNotCarryTokens(t *testing.T) {
	tok := "4xv2Yw7Q1n9Jk3t0Hq8uVb6ZcRm5Ls2Pa1Ed7Gf0WiA"
	w := &Write{Key: "scs:hash:" + tok, TTL: time.Second}
	err := w.Run(context.Background(), redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1}))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), tok[11:], "no more than 11 characters (66 of 256 bits) of a token")
	assert.Contains(t, err.Error(), "scs:hash:"+tok[:11]+"…")
}
