// Package watchdog ends a test-cluster process when the process that owns
// the cluster (the test runner or the script that started it) is gone, so a
// killed runner never leaves etcd or kube-apiserver behind.
package watchdog

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Interval is how often the owner is checked.
const Interval = 250 * time.Millisecond

// identity is what tells one process apart from a later one that reuses its
// PID: its start time in clock ticks since boot (/proc/PID/stat field 22).
type identity struct {
	state     string
	startTime string
}

func readIdentity(pid int) (identity, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return identity{}, err
	}
	// The command name (field 2) is in parentheses and may itself contain
	// spaces or parentheses: the fields that follow start after the last ')'.
	s := string(raw)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return identity{}, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, s)
	}
	fields := strings.Fields(s[end+1:])
	// fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
	if len(fields) < 20 {
		return identity{}, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, s)
	}
	return identity{state: fields[0], startTime: fields[19]}, nil
}

// alive reports whether the process first seen as want is still running:
// same PID, same start time, and not a zombie waiting to be reaped.
func alive(pid int, want identity) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return false
	}
	got, err := readIdentity(pid)
	if err != nil {
		return false
	}
	return got.startTime == want.startTime && got.state != "Z" && got.state != "X"
}

// Watch checks the owner process every Interval in the background and calls
// onGone once, from its own goroutine, when the owner has exited. It fails
// at once if the owner is not running when Watch is called.
func Watch(pid int, onGone func()) error {
	if pid <= 0 {
		return fmt.Errorf("watch pid must be positive, got %d", pid)
	}
	want, err := readIdentity(pid)
	if err != nil {
		return fmt.Errorf("owner process %d: %w", pid, err)
	}
	if !alive(pid, want) {
		return fmt.Errorf("owner process %d is not running", pid)
	}
	go func() {
		for alive(pid, want) {
			time.Sleep(Interval)
		}
		onGone()
	}()
	return nil
}

// WaitGone waits up to timeout for the process pid to exit and reports whether it did.
func WaitGone(pid int, timeout time.Duration) bool {
	want, err := readIdentity(pid)
	if err != nil {
		return true
	}
	deadline := time.Now().Add(timeout)
	for alive(pid, want) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(Interval / 5)
	}
	return true
}
