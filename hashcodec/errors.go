package hashcodec

import (
	"errors"
	"fmt"
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
	// ErrNotInteger means Incr was asked to add to a value whose recorded
	// type is not an integer, or the result does not fit that type.
	ErrNotInteger = errors.New("hashcodec: value is not an integer of that size")
	// ErrLimit means a write would take the hash past a configured limit
	// on fields or bytes. Nothing was written.
	ErrLimit = errors.New("hashcodec: session size limit exceeded")
	// ErrUnsupported means a Go value cannot be encoded (for example a type
	// gob cannot encode, or one that was not registered with gob.Register).
	ErrUnsupported = errors.New("hashcodec: value cannot be encoded")
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
