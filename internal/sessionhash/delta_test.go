package sessionhash

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
)

func record() *Record {
	all := map[string]string{
		"#created": "1", "#deadline": "2000", "#idle": "3", "#n": "4", "#b": "20",
		"name": "ada", "count": "5", "#t:count": "int", "##x": "y", "#k:int:1": "2", "#t:#k:int:1": "int",
	}
	return parseRecord("k", len(all), maps.All(all))
}

func TestParseRecord(t *testing.T) {
	r := record()
	assert.Equal(t, map[string]string{"#created": "1", "#deadline": "2000", "#idle": "3", "#n": "4", "#b": "20"}, r.Meta)
	assert.ElementsMatch(t, []Entry{
		{Field: "name", Raw: "ada"},
		{Field: "count", Raw: "5", Type: hashcodec.TypeInt},
		{Field: "##x", Raw: "y"},
		{Field: "#k:int:1", Raw: "2", Type: hashcodec.TypeInt},
	}, r.Entries)
	assert.Equal(t, int64(3), r.Window())
	assert.Equal(t, int64(2000), r.Cap())
	assert.Equal(t, time.UnixMilli(1).UTC(), r.Created())
}

func TestCap(t *testing.T) {
	assert.Equal(t, int64(0), Cap(0, 0))
	assert.Equal(t, int64(5), Cap(5, 0))
	assert.Equal(t, int64(5), Cap(0, 5))
	assert.Equal(t, int64(3), Cap(3, 5))
	assert.Equal(t, int64(3), Cap(5, 3))
	assert.Equal(t, int64(9), Capped(9, 0))
	assert.Equal(t, int64(4), Capped(9, 4))
	assert.Equal(t, int64(3), Capped(3, 4))
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
	u := snap.Plan(entries, map[string]string{"#deadline": "2000", "#idle": "4"})
	assert.ElementsMatch(t, []any{"count", "6", "##x", "y", "new", "1"}, u.Set)
	assert.ElementsMatch(t, []any{"#t:count", "int", "#t:##x", "bytes", "#idle", "4"}, u.Meta)
	assert.Equal(t, []string{"#k:int:1"}, u.DelUser)
	assert.ElementsMatch(t, []string{"#t:#k:int:1"}, u.Del, "a new string field has no type field to delete")

	same := snap.Plan(r.Entries, r.Meta)
	assert.False(t, same.Changes(), "a read-only commit writes no field")
}

func TestAfterIsWhatTheWriteLeaves(t *testing.T) {
	r := record()
	r.LoadedAt, r.Expiry = 100, 200
	snap := NewSnapshot(r)
	entries := []Entry{{Field: "name", Raw: "grace"}}
	u := snap.Plan(entries, map[string]string{"#idle": "4"})
	after := snap.After(u, entries, 150)
	assert.Equal(t, map[string]string{"#created": "1", "#deadline": "2000", "#idle": "4", "#n": "4", "#b": "20"}, after.Meta)
	assert.Equal(t, int64(100), after.LoadedAt, "the expiry was left alone: it still counts from the load")
	assert.Equal(t, int64(200), after.Expiry)
	assert.False(t, after.Plan(entries, after.Meta).Changes(), "a commit of the same values writes nothing more")

	u.Expiry = 900
	moved := snap.After(u, entries, 150)
	assert.Equal(t, int64(150), moved.LoadedAt)
	assert.Equal(t, int64(900), moved.Expiry)

	u.Cover = 99
	assert.Equal(t, "99", snap.After(u, entries, 150).Meta["#uexp"], "a cover set by the write")
	u.CoverUser = "u"
	assert.NotContains(t, snap.After(u, entries, 150).Meta, "#uexp",
		"a guarded cover may not have been applied, so it is not assumed")
}

func TestKept(t *testing.T) {
	snap := NewSnapshot(record())
	assert.True(t, snap.Kept([]Entry{{Field: "name", Raw: "other"}}), "a renewal keeps the values")
	assert.False(t, snap.Kept([]Entry{{Field: "flash", Raw: "bye"}}), "Destroy or Clear, then new values")
	assert.False(t, snap.Kept(nil))
}

func TestNewCreateCountsWhatItWrites(t *testing.T) {
	r := record()
	c := NewCreate("k", r.Entries, map[string]string{"#deadline": "9"})
	assert.Equal(t, 4, c.Count)
	assert.Equal(t, len("name")+3+len("count")+1+len("##x")+1+len("#k:int:1")+1, c.Bytes)
	assert.Len(t, c.Pairs, 2*(len(r.Entries)+2+1), "every entry, the types of the typed ones, and the metadata")
}

func TestGlobEscape(t *testing.T) {
	assert.Equal(t, `a\*b\?c\[d\]e\\f`, globEscape(`a*b?c[d]e\f`))
}

func TestErrorsDoNotCarryTokens(t *testing.T) {
	tok := "4xv2Yw7Q1n9Jk3t0Hq8uVb6ZcRm5Ls2Pa1Ed7Gf0WiA"
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	u := &Update{Key: "scs:hash:" + tok, Expiry: time.Now().Add(time.Minute).UnixMilli()}
	err := u.Run(context.Background(), c, time.Now().UnixMilli(), hashcodec.Limits{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), tok[11:], "no more than 11 characters (66 of 256 bits) of a token")
	assert.Contains(t, err.Error(), "scs:hash:"+tok[:11]+"…")
	_, err = Load(context.Background(), c, "scs:hash:"+tok, time.Now().UnixMilli(), 1000)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), tok[11:])
}

func TestAnUnchangedWriteKeepsWhatTheSnapshotSaw(t *testing.T) {
	r := record()
	snap := NewSnapshot(r)
	u := snap.Plan(r.Entries, r.Meta)
	require.False(t, u.Changes())
	after := snap.After(u, nil, 150) // the entries do not matter: nothing changed
	assert.Equal(t, snap.Sums(), after.Sums())

	entries := []Entry{{Field: "name", Raw: "grace"}, {Field: "count", Raw: "5", Type: hashcodec.TypeInt}}
	next := after.Plan(entries, r.Meta)
	assert.Equal(t, []any{"name", "grace"}, next.Set)
	assert.ElementsMatch(t, []string{"##x", "#k:int:1"}, next.DelUser, "the loaded values that are gone are deleted")
}

func TestFingerprintsTellValuesAndTypesApart(t *testing.T) {
	snap := NewSnapshot(&Record{Key: "k", Entries: []Entry{{Field: "a", Raw: "5"}, {Field: "b", Raw: "x"}}})
	u := snap.Plan([]Entry{{Field: "a", Raw: "5", Type: hashcodec.TypeInt}, {Field: "b", Raw: "x"}}, nil)
	assert.Equal(t, []any{"a", "5"}, u.Set, "the same bytes with another type are a change")
	given := &Snapshot{Key: "k"}
	given.SetSums(snap.Sums())
	assert.False(t, given.Plan([]Entry{{Field: "a", Raw: "5"}, {Field: "b", Raw: "x"}}, nil).Changes())
}
