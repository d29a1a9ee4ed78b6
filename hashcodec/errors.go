package hashcodec

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Every error this package returns can be classified with
// errors.Is against one of these, except Redis and network failures, which
// are returned as go-redis reports them (wrapped with the operation).
var (
	// ErrMissing means the field (or the whole key) does not exist.
	ErrMissing = errors.New("hashcodec: field is missing")
	// ErrUnparsable means the stored text cannot be converted to the type
	// the caller asked for (Int of "abc", Bool of "maybe", JSON of a repr).
	// ErrOutOfRange is a special case of it.
	ErrUnparsable = errors.New("hashcodec: value cannot be converted")
	// ErrOutOfRange means the stored text is a well-formed number that does
	// not fit the type the caller asked for: Int64E of
	// "99999999999999999999", which Python reads and writes happily, or
	// Float64E of "1e999". The plain getters fall back to 0 as for any
	// other unparsable text.
	//
	// errors.Is(err, ErrUnparsable) is true for it too: the value cannot
	// be converted to the type asked for, which is all ErrUnparsable has
	// ever promised, so code written against ErrUnparsable keeps treating
	// such values as it did, and code that cares tests ErrOutOfRange
	// first.
	ErrOutOfRange error = &refinedError{"hashcodec: value out of range", ErrUnparsable}
	// ErrCorrupt means a stored value does not match its recorded type, or
	// the recorded type is unknown. The error names the field.
	ErrCorrupt = errors.New("hashcodec: stored value is corrupt")
	// ErrNotFound means a write was refused because the key does not exist
	// (or is not a hash). Hash never creates keys: creating sessions is the
	// stores' job, so no write can leave a key without a TTL.
	ErrNotFound = errors.New("hashcodec: key does not exist")
	// ErrNotInteger means Incr refused to add to a value: its recorded type
	// is not an integer, its text is not an integer, or the result would
	// not fit its type (int8, uint, ..., int64). Nothing was changed. The
	// error Incr returns names the field and quotes the stored value:
	//
	//	hashcodec: field "name": value "abc" is not an integer
	//	hashcodec: field "flag": value "true" is a bool, not an integer
	//	hashcodec: field "small": value "127" + 1 is out of range for int8
	ErrNotInteger = errors.New("hashcodec: value is not an integer")
	// ErrLimit means a write would take the hash past a configured limit
	// on fields or bytes. Nothing was written.
	ErrLimit = errors.New("hashcodec: session size limit exceeded")
	// ErrUnsupported means a Go value cannot be encoded (for example a type
	// gob cannot encode, or one that was not registered with gob.Register).
	ErrUnsupported = errors.New("hashcodec: value cannot be encoded")
	// ErrReadOnly means a write of a key the Hash was given as read-only
	// (WithReadOnlyKeys) was refused. Nothing was written.
	ErrReadOnly = errors.New("hashcodec: key is read-only here")
)

// FieldError ties an error to the user key (or hash field) it concerns.
// errors.Is and errors.As see through it to the sentinel it wraps.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %v", e.Field, e.Err) }

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, err error) error {
	if err == nil {
		return nil
	}
	return &FieldError{Field: field, Err: err}
}

// refinedError is a sentinel that is also a case of a broader one.
type refinedError struct {
	msg    string
	parent error
}

func (e *refinedError) Error() string { return e.msg }
func (e *refinedError) Unwrap() error { return e.parent }

// detailError is an error whose message says more than the sentinel it
// wraps; the sentinel's own text is not repeated.
type detailError struct {
	msg string
	err error
}

func (e *detailError) Error() string { return e.msg }
func (e *detailError) Unwrap() error { return e.err }

// incrErr is the error Incr returns for a failed run of its script: a
// refusal the script explains with a NOTINT reply (see notIntDetail)
// becomes
//
//	hashcodec: field "<key>": <what is wrong with the stored value>
//
// which wraps a *FieldError for key and ErrNotInteger; anything else is
// what scriptErr makes of it, tied to the field.
func incrErr(field, key string, err error) error {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(err.Error(), "ERR "), "NOTINT")
	if !ok {
		return fieldErr(field, scriptErr(key, err))
	}
	detail := notIntDetail(strings.TrimSpace(rest))
	return fmt.Errorf("hashcodec: %w", fieldErr(field, &detailError{detail, ErrNotInteger}))
}

// notIntDetail describes a NOTINT refusal of the Incr script. The script
// replies
//
//	NOTINT <reason> <type> <delta> <len> <hex>
//
// reason: "type" (the recorded type is not an integer type), "text" (the
// stored text is not an integer: HINCRBY refused it) or "range" (the
// result does not fit the type); type: the recorded type, "string" for a
// session field without a type field, "-" for a hash without session
// metadata; delta: the increment asked for; len: the stored value's length
// in bytes, "-" when the field is missing; hex: its first 40 bytes in
// lowercase hex ("" when it is empty). Hex keeps any bytes, newlines
// included, out of the error line's way. A reply in any other form (that
// of earlier scripts, say) is shown as it is.
func notIntDetail(rest string) string {
	tok := strings.Fields(rest)
	if len(tok) == 4 { // an empty value: no hex token
		tok = append(tok, "")
	}
	if len(tok) != 5 {
		return "not an integer: " + rest
	}
	reason, typ, delta, size, text := tok[0], tok[1], tok[2], tok[3], tok[4]
	d, errD := strconv.ParseInt(delta, 10, 64)
	raw, errH := hex.DecodeString(text)
	n, errN := strconv.Atoi(size)
	missing := size == "-"
	if errD != nil || errH != nil || (errN != nil && !missing) || n < len(raw) || len(raw) > 40 || typ == "" {
		return "not an integer: " + rest
	}
	value := "missing value (0)"
	if !missing {
		if n > len(raw) {
			raw = append(raw, "..."...)
		}
		value = fmt.Sprintf("value %q", raw)
	}
	switch reason {
	case "type":
		article := "a"
		if strings.ContainsRune("aeiou", rune(typ[0])) {
			article = "an"
		}
		return fmt.Sprintf("%s is %s %s, not an integer", value, article, typ)
	case "text":
		return value + " is not an integer"
	case "range":
		if typ == "-" || typ == "string" {
			typ = "int64"
		}
		op, abs := "+", strconv.FormatInt(d, 10)
		if d < 0 {
			op, abs = "-", abs[1:]
		}
		return fmt.Sprintf("%s %s %s is out of range for %s", value, op, abs, typ)
	}
	return "not an integer: " + rest
}
