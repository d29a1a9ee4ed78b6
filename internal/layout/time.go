package layout

import (
	"errors"
	"fmt"
	"time"
)

// Every time the layout stores, and every time a script takes, is a count
// of Unix milliseconds: the unit of PEXPIREAT. Lua's numbers hold them
// exactly (they stay far below 2^53), and every year up to 9999 fits.

// MaxTime is the latest time the layout can hold: the last millisecond of
// the year 9999.
var MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)

// MaxMillis is MaxTime in Unix milliseconds.
var MaxMillis = MaxTime.UnixMilli()

// ErrTimeRange is returned for a deadline or expiry after MaxTime.
var ErrTimeRange = errors.New("time after the year 9999")

// Millis returns t as Unix milliseconds, rounded down so that an expiry is
// never later than asked. Times before 1970 (the zero time included) give
// 0, which every script reads as "already past". A time after MaxTime is
// an error.
func Millis(t time.Time) (int64, error) {
	if t.After(MaxTime) {
		return 0, fmt.Errorf("%w: %s", ErrTimeRange, t.UTC().Format(time.RFC3339))
	}
	if t.Before(time.Unix(0, 0)) {
		return 0, nil
	}
	return t.UnixMilli(), nil
}

// Now returns the current time in Unix milliseconds.
func Now() int64 { return time.Now().UnixMilli() }

// Time turns stored Unix milliseconds back into a time: zero for 0, for
// negative values and for values past MaxTime (which only hostile data
// holds).
func Time(ms int64) time.Time {
	if ms <= 0 || ms > MaxTime.UnixMilli() {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// DurationMillis returns d in whole milliseconds, rounded down, and 0 for
// negative durations.
func DurationMillis(d time.Duration) int64 { return max(d.Milliseconds(), 0) }
