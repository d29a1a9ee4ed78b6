package hashcodec_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

// A refused Incr says which field and what is stored there, so that a
// user sees at once why "name" cannot be counted.
func TestIncrRefusalNamesTheStoredValue(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		key := b.Prefix + "s"
		newSession(t, b.Client, key, time.Hour, time.Time{})
		h := hashcodec.NewHash(b.Client, key)
		require.NoError(t, h.SetMulti(ctx, map[string]any{
			"flag": true, "small": int8(127), "u": uint32(5), "count": "41",
		}))
		require.NoError(t, b.Client.HSet(ctx, key, "name", "abc", "#t:name", "int").Err()) // corrupt: typed int, not one

		foreign := b.Prefix + "py"
		require.NoError(t, b.Client.HSet(ctx, foreign, "name", "abc", "big", "9223372036854775807").Err())
		require.NoError(t, b.Client.Expire(ctx, foreign, time.Hour).Err())
		py := hashcodec.NewHash(b.Client, foreign)

		cases := []struct {
			name  string
			h     *hashcodec.Hash
			field string
			delta int64
			want  string
		}{
			{"text of a hash without metadata", py, "name", 1, `hashcodec: field "name": value "abc" is not an integer`},
			{"text under an integer type", h, "name", 1, `hashcodec: field "name": value "abc" is not an integer`},
			{"recorded bool", h, "flag", 1, `hashcodec: field "flag": value "true" is a bool, not an integer`},
			{"int8 overflow", h, "small", 1, `hashcodec: field "small": value "127" + 1 is out of range for int8`},
			{"uint below 0", h, "u", -6, `hashcodec: field "u": value "5" - 6 is out of range for uint32`},
			{"int64 overflow", py, "big", 1, `hashcodec: field "big": value "9223372036854775807" + 1 is out of range for int64`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := tc.h.Get(ctx, tc.field).String()
				_, err := tc.h.Incr(ctx, tc.field, tc.delta)
				require.ErrorIs(t, err, hashcodec.ErrNotInteger)
				var fe *hashcodec.FieldError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, tc.field, fe.Field)
				assert.Equal(t, before, tc.h.Get(ctx, tc.field).String(), "unchanged")
				assert.EqualError(t, err, tc.want)
			})
		}

		// A string in a session hash is text, not a counter, even when it
		// reads as a number.
		t.Run("recorded string", func(t *testing.T) {
			_, err := h.Incr(ctx, "count", 1)
			require.ErrorIs(t, err, hashcodec.ErrNotInteger)
			assert.Equal(t, "41", h.Get(ctx, "count").String())
			v, err2 := h.Get(ctx, "count").Value()
			require.NoError(t, err2)
			assert.Equal(t, "41", v, "still a string, not re-typed as an int")
			assert.EqualError(t, err, `hashcodec: field "count": value "41" is a string, not an integer`)
		})
	})
}
