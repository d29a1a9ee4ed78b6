package hashcodec

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// Hash is a handle on one Redis hash (a session, or any hash another program
// wrote) that reads and writes single fields without loading the rest.
//
// Every method is one round trip (a Lua script; GetAll a MULTI of the
// sliding script and HGETALL) that also slides the key's TTL to
// min(now + idle window, absolute deadline, user index cover), where the
// window, the deadline and the cover come from the hash's metadata
// ("#idle", "#deadline", "#uexp") unless WithIdleTimeout overrides the
// window. A session past its deadline or cover, or one that was deleted
// (its key holds a tombstone), reads as missing and refuses writes.
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
	idle   int64 // window in ms; -1: the hash's own #idle; 0: never touch the TTL
	limits Limits
	// readOnly holds the keys writes must leave alone, with why.
	readOnly map[string]string
	err      error
}

// HashOption configures a Hash.
type HashOption func(*Hash)

// WithIdleTimeout sets the sliding window: every operation sets the TTL to
// min(now+d, deadline), whatever the hash's "#idle" says. d == 0 turns
// sliding off: operations never change the TTL.
func WithIdleTimeout(d time.Duration) HashOption {
	return func(h *Hash) { h.idle = layout.DurationMillis(d) }
}

// WithLimits bounds the user data writes may leave in the hash (see Limits).
// NewHash applies no limits by default; the stores pass theirs.
func WithLimits(l Limits) HashOption {
	return func(h *Hash) { h.limits = l }
}

// WithReadOnlyKeys makes every write of these keys (Set, SetMulti, Delete,
// Incr) fail with an error wrapping ErrReadOnly that says why, changing
// nothing: for values another part of the program owns. The stores pass
// the user key their sessions are bound by (their WithUserKey or
// UserKey), which binding must change, not a single-field write.
func WithReadOnlyKeys(why string, keys ...string) HashOption {
	return func(h *Hash) {
		if h.readOnly == nil {
			h.readOnly = make(map[string]string, len(keys))
		}
		for _, k := range keys {
			h.readOnly[k] = why
		}
	}
}

// writable returns the error for a write of key, if it is read-only.
func (h *Hash) writable(key string) error {
	if why, ok := h.readOnly[key]; ok {
		return fieldErr(key, fmt.Errorf("%w: %s", ErrReadOnly, why))
	}
	return nil
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

// read runs the read script. It returns nil (and no error) when there is
// nothing to read: a key that is not a hash, a session past its end, or
// (mode 't') a missing key.
func (h *Hash) read(ctx context.Context, args []any) ([]any, error) {
	if h.err != nil {
		return nil, h.err
	}
	res, err := scripts.Read.Run(ctx, h.client, []string{h.key}, args...).Slice()
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
	args = append(args, layout.Now(), h.idle, "f")
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
		default: // value, type, value, type, ...
			raw, present := res[2*i].(string)
			t, _ := res[2*i+1].(string)
			out[i] = NewField(k, []byte(raw), Type(t), present)
		}
	}
	return out, err
}

// GetAll reads every user value stored under a string key, by user key.
// Values under non-string keys (gorilla's Values[42]) are not included. A
// missing key gives an empty map. It is one round trip: a transaction of
// the read script (which slides the TTL, or deletes a session past its
// end) and a native HGETALL, which costs far less than copying the hash
// through Lua.
func (h *Hash) GetAll(ctx context.Context) (map[string]Field, error) {
	if h.err != nil {
		return nil, h.err
	}
	all, err := h.readAll(ctx)
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

func (h *Hash) readAll(ctx context.Context) (map[string]string, error) {
	var all *redis.MapStringStringCmd
	err := scripts.Retry(ctx, h.client, scripts.Read, func() error {
		pipe := h.client.TxPipeline()
		there := scripts.Read.EvalSha(ctx, pipe, []string{h.key}, layout.Now(), h.idle, "t")
		all = pipe.HGetAll(ctx, h.key)
		_, _ = pipe.Exec(ctx) // errors are per command, read below
		return there.Err()
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil // nothing there
	}
	if err != nil {
		return nil, err
	}
	if err := all.Err(); err != nil && !errors.Is(err, redis.Nil) && !redis.HasErrorPrefix(err, "WRONGTYPE") {
		return nil, err
	}
	return all.Val(), nil
}

// Exists reports whether the field exists.
func (h *Hash) Exists(ctx context.Context, key string) (bool, error) {
	f := h.Get(ctx, key)
	return !f.IsNil(), f.Err()
}

// Touch slides the TTL without reading anything and reports whether the
// key exists.
func (h *Hash) Touch(ctx context.Context) (bool, error) {
	res, err := h.read(ctx, []any{layout.Now(), h.idle, "t"})
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
	args = append(args, layout.Now(), h.idle, h.limits.Fields, h.limits.Bytes, len(values))
	for k, v := range values {
		if err := h.writable(k); err != nil {
			return err
		}
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
	args = append(args, layout.Now(), h.idle, 0, 0, 0)
	for _, k := range keys {
		if err := h.writable(k); err != nil {
			return 0, err
		}
		args = append(args, FieldName(k))
	}
	n, err := h.write(ctx, args)
	return int(n), err
}

func (h *Hash) write(ctx context.Context, args []any) (int64, error) {
	n, err := scripts.Write.Run(ctx, h.client, []string{h.key}, args...).Int64()
	if err != nil {
		return 0, scriptErr(h.key, err)
	}
	return n, nil
}

// Incr adds delta to the integer stored under key with HINCRBY and returns
// the result. It is atomic: concurrent Incr calls never lose an update. In
// a session hash a missing field counts as 0 and is recorded as an int; a
// value whose recorded type is not an integer (a string included), or a
// result that would not fit that type (int8, uint, ...), gives
// ErrNotInteger and changes nothing. In another program's hash the stored
// text is incremented if it is an integer.
func (h *Hash) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	if h.err != nil {
		return 0, h.err
	}
	if err := h.writable(key); err != nil {
		return 0, err
	}
	n, err := scripts.Incr.Run(ctx, h.client, []string{h.key},
		layout.Now(), h.idle, h.limits.Fields, h.limits.Bytes, FieldName(key), delta, strconv.IntSize).Int64()
	if err != nil {
		return 0, incrErr(key, h.key, err)
	}
	return n, nil
}

// scriptErr maps the codes the scripts raise on purpose to sentinel
// errors, with the message the script gave.
func scriptErr(key string, err error) error {
	code, rest, ok := scripts.Code(err)
	if !ok {
		return fmt.Errorf("hashcodec: write %s: %w", layout.Redact(key), err)
	}
	switch code {
	case "NOTFOUND":
		return fmt.Errorf("%w: %s", ErrNotFound, layout.Redact(key))
	case "LIMIT":
		return fmt.Errorf("%w: %s: %s", ErrLimit, layout.Redact(key), rest)
	}
	return fmt.Errorf("%w: %s", ErrNotInteger, rest) // see incrErr
}
