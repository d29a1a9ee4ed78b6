package hashcodec

import (
	"errors"
	"strconv"
	"strings"
)

// The conversions below read text the way Python's redis_session accessors
// do, so a hash written by a Python app reads the same from Go: integers are
// ASCII decimal with optional surrounding whitespace, a sign and single "_"
// separators between digits; bools accept Python's "True"/"False" and Go's
// strconv.ParseBool spellings.

var errSyntax = errors.New("invalid syntax")

// pyWhitespace is what Python's int() strips from bytes.
const pyWhitespace = " \t\n\v\f\r"

// cleanInt returns the decimal digits of b with whitespace trimmed and
// digit separators removed, or an error if b is not a Python int literal.
func cleanInt(b string) (string, error) {
	b = strings.Trim(b, pyWhitespace)
	if len(b) == 0 {
		return "", errSyntax
	}
	if strings.IndexByte(b, '_') < 0 {
		return b, nil
	}
	out := make([]byte, 0, len(b))
	prevDigit := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			prevDigit = true
			out = append(out, c)
		case c == '_':
			if !prevDigit || i+1 == len(b) || b[i+1] < '0' || b[i+1] > '9' {
				return "", errSyntax
			}
			prevDigit = false
		case i == 0 && (c == '+' || c == '-'):
			out = append(out, c)
		default:
			return "", errSyntax
		}
	}
	return string(out), nil
}

func parseInt(b string, bits int) (int64, error) {
	s, err := cleanInt(b)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return 0, err.(*strconv.NumError).Err
	}
	return n, nil
}

func parseUint(b string, bits int) (uint64, error) {
	s, err := cleanInt(b)
	if err != nil {
		return 0, err
	}
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	n, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return 0, err.(*strconv.NumError).Err
	}
	return n, nil
}

func parseFloat(b string) (float64, error) {
	f, err := strconv.ParseFloat(strings.Trim(b, pyWhitespace), 64)
	if err != nil {
		return 0, err.(*strconv.NumError).Err
	}
	return f, nil
}

func parseBool(b string) (bool, error) {
	v, err := strconv.ParseBool(b)
	if err != nil {
		return false, errSyntax
	}
	return v, nil
}
