package redistest

import (
	"errors"
	"fmt"
	"time"
)

// waitFor calls check every interval until it returns nil, and returns
// its last error, naming what, if that takes longer than timeout. A check
// that returns a giveUp ends the wait at once with the error it holds.
func waitFor(what string, timeout, interval time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if stop, ok := errors.AsType[giveUp](err); ok {
			return fmt.Errorf("%s: %w", what, stop.error)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s after %v: %w", what, timeout, err)
		}
		time.Sleep(interval)
	}
}

// giveUp is a check's error that no amount of waiting will clear.
type giveUp struct{ error }
