package hashcodec_test

import (
	"encoding/gob"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
)

func TestFieldNameEscapesTheReservedPrefix(t *testing.T) {
	cases := map[string]string{"count": "count", "": "", "#created": "##created", "##x": "###x", "a#b": "a#b"}
	for key, field := range cases {
		assert.Equal(t, field, hashcodec.FieldName(key))
		back, ok := hashcodec.UserKey(field)
		assert.True(t, ok)
		assert.Equal(t, key, back)
		assert.True(t, hashcodec.IsUserField(field))
	}
	for _, meta := range []string{"#created", "#deadline", "#t:count", "#k:int:1"} {
		_, ok := hashcodec.UserKey(meta)
		assert.False(t, ok, meta)
	}
	assert.False(t, hashcodec.IsUserField("#idle"))
	assert.False(t, hashcodec.IsUserField("#t:x"))
	assert.True(t, hashcodec.IsUserField("#k:int:42"))
}

type roleKey struct{ Name string }

func init() { gob.Register(roleKey{}) }

func TestMapKeyFieldRoundTrips(t *testing.T) {
	keys := []any{"name", "#x", "", 42, int64(-1), uint8(7), true, 1.5, nil,
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), roleKey{Name: "admin"}}
	type ctxKey string
	for _, k := range keys {
		field, err := hashcodec.MapKeyField(k)
		require.NoError(t, err, "%v", k)
		back, ok, err := hashcodec.MapKey(field)
		require.NoError(t, err, "%v", k)
		require.True(t, ok)
		assert.Equal(t, k, back, "field %q", field)
	}
	f, err := hashcodec.MapKeyField(42)
	require.NoError(t, err)
	assert.Equal(t, "#k:int:42", f, "readable field for gorilla's Values[42]")

	_, err = hashcodec.MapKeyField(ctxKey("x"))
	assert.ErrorIs(t, err, hashcodec.ErrUnsupported, "unregistered named key type")
}

func TestMapKeyRejectsCorruptFields(t *testing.T) {
	for _, field := range []string{"#k:int", "#k:int:x", "#k::plain", "#k:bytes:abc", "#k:gob:!!", "#k:nosuch:1"} {
		_, _, err := hashcodec.MapKey(field)
		assert.ErrorIs(t, err, hashcodec.ErrCorrupt, field)
	}
	_, ok, err := hashcodec.MapKey("#created")
	assert.NoError(t, err)
	assert.False(t, ok)
}

func TestMetaPrefixIsTheLayouts(t *testing.T) {
	assert.Equal(t, layout.MetaPrefix, hashcodec.MetaPrefix)
}
