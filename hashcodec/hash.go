package hashcodec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/slide"
)

// Hash is a handle on one Redis hash (a session, or any hash another program
// wrote) that reads and writes single fields without loading the rest.
//
// Every method is one round trip (a Lua script; GetAll a MULTI of the
// sliding script and HGETALL) that also slides the key's TTL to
// min(now + idle window, absolute deadline, user index cover), where the
// window, the deadline and the cover come from the hash's metadata
// ("#idle", "#deadline", "#uexp") unless WithIdleTimeout overrides the
// window.
//
// A hash without session metadata (no "#created": one another program
// wrote) is used as it is: its TTL is kept unless WithIdleTimeout is given,
// and writes record no type fields in it, so Value reads its values back as
// strings and Incr applies no type range.
//
// Keys are user keys: a key that starts with MetaPrefix is escaped (see
// FieldName), so a Hash can never read or overwrite session metadata.
// Writes never create a missing key; they return ErrNotFound. A key that
// exists but is not a hash reads as missing.
//
// A Hash holds no state besides its configuration and is safe for
// concurrent use.
type Hash struct {
	client redis.UniversalClient
	key    string
	idle   int64 // window in ns; -1: the hash's own #idle; 0: never touch the TTL
	limits Limits
	err    error
}

// HashOption configures a Hash.
type HashOption func(*Hash)

// WithIdleTimeout sets the sliding window: every operation sets the TTL to
// min(now+d, deadline), whatever the hash's "#idle" says. d == 0 turns
// sliding off: operations never change the TTL.
func WithIdleTimeout(d time.Duration) HashOption {
	return func(h *Hash) { h.idle = max(int64(d), 0) }
}

// WithLimits bounds the user data writes may leave in the hash (see Limits).
// NewHash applies no limits by default; the stores pass theirs.
func WithLimits(l Limits) HashOption {
	return func(h *Hash) { h.limits = l }
}

// NewHash returns a handle on the hash stored at key. It does no I/O.
func NewHash(client redis.UniversalClient, key string, opts ...HashOption) *Hash {
	h := &Hash{client: client, key: key, idle: -1}
	for _, opt := range opts {
		opt(h)
	}
	return h
}

// NewHashErr returns a Hash on which every operation fails with err without
// touching Redis. Stores return it for a token that cannot name a session.
func NewHashErr(err error) *Hash {
	return &Hash{err: err}
}

// Key returns the Redis key of the hash ("" for a Hash from NewHashErr).
func (h *Hash) Key() string { return h.key }

// read runs readScript. It returns nil (and no error) when the script
// answers false: a key that is not a hash, or (mode 't') a missing one.
func (h *Hash) read(ctx context.Context, args []any) ([]any, error) {
	if h.err != nil {
		return nil, h.err
	}
	res, err := readScript.Run(ctx, h.client, []string{h.key}, args...).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hashcodec: read %s: %w", layout.Redact(h.key), err)
	}
	return res, nil
}

// Get reads one field. The result tells missing, unparsable and failed
// apart (see Field).
func (h *Hash) Get(ctx context.Context, key string) Field {
	fields, err := h.GetMulti(ctx, key)
	if err != nil {
		return failedField(key, err)
	}
	return fields[0]
}

// GetMulti reads several fields in one round trip. The slice has one Field
// per key, in order. The error is the read's failure, also reported by
// each Field's Err.
func (h *Hash) GetMulti(ctx context.Context, keys ...string) ([]Field, error) {
	args := make([]any, 0, 3+2*len(keys))
	args = append(args, slide.Now(), h.idle, "f")
	for _, k := range keys {
		f := FieldName(k)
		args = append(args, f, TypeField(f))
	}
	res, err := h.read(ctx, args)
	out := make([]Field, len(keys))
	for i, k := range keys {
		switch {
		case err != nil:
			out[i] = failedField(k, err)
		case res == nil:
			out[i] = NewField(k, nil, "", false)
		default: // res starts with #idle, #deadline and #uexp
			raw, present := res[3+2*i].(string)
			t, _ := res[3+2*i+1].(string)
			out[i] = NewField(k, []byte(raw), Type(t), present)
		}
	}
	return out, err
}

// GetAll reads every user value stored under a string key, by user key.
// Values under non-string keys (gorilla's Values[42]) are not included. A
// missing key gives an empty map. It is one round trip (a transaction of
// the sliding script and a native HGETALL).
func (h *Hash) GetAll(ctx context.Context) (map[string]Field, error) {
	if h.err != nil {
		return nil, h.err
	}
	all, _, err := slide.ReadAll(ctx, h.client, h.key, time.Duration(h.idle), false)
	if err != nil {
		return nil, fmt.Errorf("hashcodec: read %s: %w", layout.Redact(h.key), err)
	}
	out := make(map[string]Field, len(all))
	for f, v := range all {
		if k, ok := UserKey(f); ok {
			out[k] = NewField(k, []byte(v), Type(all[TypeField(f)]), true)
		}
	}
	return out, nil
}

// Exists reports whether the field exists.
func (h *Hash) Exists(ctx context.Context, key string) (bool, error) {
	f := h.Get(ctx, key)
	return !f.IsNil(), f.Err()
}

// Touch slides the TTL without reading anything and reports whether the
// key exists.
func (h *Hash) Touch(ctx context.Context) (bool, error) {
	res, err := h.read(ctx, []any{slide.Now(), h.idle, "t"})
	return res != nil, err
}

// Set encodes value (see Encode) and writes it under key, recording its
// type in a session hash (not in another program's hash: see Hash). The key
// must exist (ErrNotFound otherwise).
func (h *Hash) Set(ctx context.Context, key string, value any) error {
	return h.SetMulti(ctx, map[string]any{key: value})
}

// SetMulti writes several values atomically, in one round trip.
func (h *Hash) SetMulti(ctx context.Context, values map[string]any) error {
	if h.err != nil {
		return h.err
	}
	args := make([]any, 0, 5+3*len(values))
	args = append(args, slide.Now(), h.idle, h.limits.Fields, h.limits.Bytes, len(values))
	for k, v := range values {
		raw, t, err := Encode(v)
		if err != nil {
			return fieldErr(k, err)
		}
		args = append(args, FieldName(k), raw, string(t))
	}
	_, err := h.write(ctx, args)
	return err
}

// Delete removes the given keys and returns how many existed. Deleting from
// a missing key is not an error.
func (h *Hash) Delete(ctx context.Context, keys ...string) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	args := make([]any, 0, 5+len(keys))
	args = append(args, slide.Now(), h.idle, 0, 0, 0)
	for _, k := range keys {
		args = append(args, FieldName(k))
	}
	n, err := h.write(ctx, args)
	return int(n), err
}

func (h *Hash) write(ctx context.Context, args []any) (int64, error) {
	n, err := writeScript.Run(ctx, h.client, []string{h.key}, args...).Int64()
	if err != nil {
		return 0, scriptErr(h.key, err)
	}
	return n, nil
}

// Incr adds delta to the integer stored under key with HINCRBY and returns
// the result. It is atomic: concurrent Incr calls never lose an update. A
// missing field counts as 0 and is recorded as an int. A value whose
// recorded type is not an integer, or a result that would not fit that type
// (int8, uint, ...), gives ErrNotInteger and changes nothing.
func (h *Hash) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	if h.err != nil {
		return 0, h.err
	}
	n, err := incrScript.Run(ctx, h.client, []string{h.key},
		slide.Now(), h.idle, h.limits.Fields, h.limits.Bytes, FieldName(key), delta).Int64()
	if err != nil {
		return 0, fieldErr(key, scriptErr(h.key, err))
	}
	return n, nil
}

// scriptErr maps the codes the scripts raise to sentinel errors.
func scriptErr(key string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "ERR ")
	for code, sentinel := range map[string]error{"NOTFOUND": ErrNotFound, "LIMIT": ErrLimit, "NOTINT": ErrNotInteger} {
		if rest, ok := strings.CutPrefix(msg, code); ok {
			if rest = strings.TrimSpace(rest); rest != "" {
				return fmt.Errorf("%w: %s: %s", sentinel, layout.Redact(key), rest)
			}
			return fmt.Errorf("%w: %s", sentinel, layout.Redact(key))
		}
	}
	return fmt.Errorf("hashcodec: write %s: %w", layout.Redact(key), err)
}
