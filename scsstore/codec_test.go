package scsstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

func TestCodecRoundTrip(t *testing.T) {
	deadline := time.Date(2026, 11, 26, 0, 0, 0, 5, time.UTC)
	values := map[string]any{"s": "x", "i": 7, "i64": int64(8), "b": true, "f": 1.5, "t": deadline,
		"bytes": []byte("raw"), "cart": cart{Items: []string{"a"}}, "#meta-looking": "y", "nil": nil}
	blob, err := scsstore.Codec{}.Encode(deadline, values)
	require.NoError(t, err)
	gotDeadline, got, err := scsstore.Codec{}.Decode(blob)
	require.NoError(t, err)
	assert.Equal(t, deadline, gotDeadline)
	assert.True(t, deadline.Equal(got["t"].(time.Time)))
	delete(got, "t")
	delete(values, "t")
	assert.Equal(t, values, got)
}

func TestCodecReadsGobBlobs(t *testing.T) {
	deadline := time.Now().Add(time.Hour).UTC()
	blob, err := scs.GobCodec{}.Encode(deadline, map[string]any{"a": 1})
	require.NoError(t, err)
	gotDeadline, values, err := scsstore.Codec{}.Decode(blob)
	require.NoError(t, err)
	assert.True(t, deadline.Equal(gotDeadline))
	assert.Equal(t, map[string]any{"a": 1}, values)
}

func TestCodecRejectsWhatItCannotEncode(t *testing.T) {
	_, err := scsstore.Codec{}.Encode(time.Now(), map[string]any{"fn": func() {}})
	assert.ErrorIs(t, err, hashcodec.ErrUnsupported)
	assert.Contains(t, err.Error(), `"fn"`)
}

// FuzzCodecDecode feeds arbitrary blobs to the fast codec: it must never
// panic, and what it accepts must encode again.
func FuzzCodecDecode(f *testing.F) {
	blob, err := scsstore.Codec{}.Encode(time.Now(), map[string]any{"a": 1, "b": "x", "c": cart{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Add([]byte("\x00hcs1\x02\x01\x01a\x03int\x012"))
	f.Fuzz(func(t *testing.T, b []byte) {
		deadline, values, err := scsstore.Codec{}.Decode(b)
		if err != nil {
			return
		}
		if _, err := (scsstore.Codec{}).Encode(deadline, values); err != nil {
			t.Fatalf("decoded %v but cannot encode it: %v", values, err)
		}
	})
}

// Forgetting sessionManager.Codec = store.Codec() fails at the first
// commit with an error that says what to do.
func TestCodecMismatchIsReportedAtCommit(t *testing.T) {
	c := redistest.MiniClient(t)
	for name, pair := range map[string]struct {
		store   *scsstore.Store
		manager scs.Codec
	}{
		"fast store, gob manager": {scsstore.New(c, scsstore.WithCodec(scsstore.Codec{})), scs.GobCodec{}},
		"gob store, fast manager": {scsstore.New(c), scsstore.Codec{}},
	} {
		blob, err := pair.manager.Encode(time.Now().Add(time.Hour), map[string]any{"a": "b"})
		require.NoError(t, err)
		err = pair.store.CommitCtx(context.Background(), "4xv2Yw7Q1n9Jk3t0Hq8uVb6ZcRm5Ls2Pa1Ed7Gf0WiA", blob, time.Now().Add(time.Hour))
		assert.ErrorIs(t, err, scsstore.ErrCodecMismatch, name)
		assert.Contains(t, err.Error(), "sessionManager.Codec = store.Codec()")
	}
}
