package redistest

import "syscall"

// sysProcAttr makes a started server die with the test binary, even when the
// binary is killed, so no redis-server outlives a test run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
