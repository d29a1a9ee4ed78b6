// Package wire is the small length-prefixed binary format used for data that
// travels inside one process between a load and a commit (the scs fast
// codec's blobs and the session snapshot). Readers are defensive: malformed
// input gives an error, never a panic or an oversized allocation.
package wire

import (
	"encoding/binary"
	"errors"
	"strings"
)

// ErrMalformed is returned for input that is not what the writer produced.
var ErrMalformed = errors.New("malformed data")

// Append appends a length-prefixed string or byte string.
func Append[T ~string | ~[]byte](b []byte, v T) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// Reader decodes length-prefixed data. The first error sticks: later reads
// return zero values and Err reports it.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error met while reading (leftover bytes are
// Done's concern).
func (r *Reader) Err() error { return r.err }

// Done reports an error unless every byte was read without error.
func (r *Reader) Done() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	return r.err
}

func (r *Reader) fail() { r.err, r.b = ErrMalformed, nil }

func (r *Reader) skip(n int) { r.b = r.b[n:] }

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.skip(1)
	return c
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.skip(n)
	return v
}

// Varint reads a signed varint.
func (r *Reader) Varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.skip(n)
	return v
}

// Count reads an element count, refusing counts the remaining bytes cannot
// hold (every element takes at least one byte).
func (r *Reader) Count() int {
	n := r.Uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

// Bytes reads a length-prefixed byte string. The result aliases the input.
func (r *Reader) Bytes() []byte {
	n := r.Uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	v := r.b[:n:n]
	r.skip(int(n))
	return v
}

// String reads a length-prefixed string (a copy).
func (r *Reader) String() string { return string(r.Bytes()) }

// Uint64 reads 8 little-endian bytes.
func (r *Reader) Uint64() uint64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.skip(8)
	return v
}

// Strings turns many small byte strings into strings with one allocation:
// the results share the memory of one concatenation.
func Strings(parts [][]byte) []string {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	var sb strings.Builder
	sb.Grow(total)
	for _, p := range parts {
		sb.Write(p)
	}
	all := sb.String()
	out := make([]string, len(parts))
	at := 0
	for i, p := range parts {
		out[i] = all[at : at+len(p)]
		at += len(p)
	}
	return out
}

// Len returns the number of bytes not read yet.
func (r *Reader) Len() int { return len(r.b) }
