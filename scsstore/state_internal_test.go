package scsstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/wire"
)

// A Codec Find blob's state leaves the fingerprints to the blob's entries;
// anywhere else (scs's GobCodec, a hand-made blob) that form is refused,
// so that no commit plans against a snapshot that saw no values and
// forgets to delete the ones the request removed.
func TestAStateWithoutFingerprintsOnlyDecodesWithItsEntries(t *testing.T) {
	entries := []sessionhash.Entry{{Field: "a", Raw: "1"}, {Field: "b", Raw: "x"}}
	st := newState(sessionhash.NewSnapshot(&sessionhash.Record{Key: "scs:session:k", Entries: entries,
		Meta: map[string]string{"#created": "1"}}))
	st.transport, st.overEntries = true, true
	b, err := st.MarshalBinary()
	require.NoError(t, err)

	assert.ErrorIs(t, new(sessionState).UnmarshalBinary(b), wire.ErrMalformed)

	got, err := decodeStateOver(b, entries)
	require.NoError(t, err)
	snap := got.get()
	require.NotNil(t, snap)
	assert.Equal(t, "scs:session:k", snap.Key)
	u := snap.Plan(entries[:1], snap.Meta)
	assert.Equal(t, []string{"b"}, u.DelUser, "the removed value is deleted")
	assert.Empty(t, u.Set)
}
