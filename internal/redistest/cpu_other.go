//go:build !linux

package redistest

import "time"

// CPU returns 0 where /proc is not available.
func (s *Server) CPU() time.Duration { return 0 }

// ProcessCPU returns 0 where getrusage is not wired up.
func ProcessCPU() time.Duration { return 0 }
