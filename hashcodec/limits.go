package hashcodec

import "fmt"

// Limits bound the user data one hash may hold. Fields counts user values
// (metadata and type fields are not counted); Bytes is the sum of the
// lengths of their stored field names and values. Zero means no limit.
// Writes that would exceed a limit fail with ErrLimit before anything is
// written.
type Limits struct {
	Fields int
	Bytes  int
}

// DefaultLimits are the limits the session stores apply unless configured
// otherwise: generous for sessions, small enough that a runaway handler
// cannot fill Redis through one cookie.
var DefaultLimits = Limits{Fields: 1024, Bytes: 1 << 20}

// Check returns an error wrapping ErrLimit if a hash holding fields user
// values of size bytes in total would exceed l.
func (l Limits) Check(fields, size int) error {
	if l.Fields > 0 && fields > l.Fields {
		return fmt.Errorf("%w: %d values, limit %d", ErrLimit, fields, l.Fields)
	}
	if l.Bytes > 0 && size > l.Bytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrLimit, size, l.Bytes)
	}
	return nil
}
