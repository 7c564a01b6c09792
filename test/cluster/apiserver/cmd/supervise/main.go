// Command supervise runs one test-cluster component that has no --watch-pid of its own (kube-scheduler,
// kube-controller-manager, KWOK, Karpenter) and ties its life to the cluster's owner:
//
//	supervise [--watch-pid=PID] [--stop-timeout=15s] [--tag=LABEL] -- COMMAND [ARG...]
//
// The command runs in supervise's own session. When the owner exits, or supervise gets SIGTERM or SIGINT,
// the command gets SIGTERM and, if it is still running after the stop timeout, SIGKILL. If supervise itself
// is killed, the kernel sends the command SIGKILL (parent-death signal). supervise exits with the
// command's status.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"kaito-constructs/testcluster/internal/watchdog"
)

func main() {
	flags := flag.NewFlagSet("supervise", flag.ContinueOnError)
	ownerPID := flags.Int("watch-pid", 0, "stop the command when this process exits (0: never)")
	stopTimeout := flags.Duration("stop-timeout", 15*time.Second, "time from SIGTERM to SIGKILL")
	// Lets the cluster script tell its own processes from others (it looks for its data dir in the command line).
	_ = flags.String("tag", "", "ignored: a label in the command line")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	args := flags.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: supervise [--watch-pid=PID] [--stop-timeout=D] -- COMMAND [ARG...]")
		os.Exit(2)
	}
	// No controlling terminal and no signal aimed at the launching shell's process group.
	_, _ = syscall.Setsid()

	// The parent-death signal belongs to the thread that forked the child: keep this goroutine on one
	// thread for the life of the process so that the thread never exits before supervise does.
	runtime.LockOSThread()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "supervise: %v\n", err)
		os.Exit(127)
	}

	stop := make(chan string, 2)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		s := <-signals
		stop <- "got " + s.String()
	}()
	if *ownerPID > 0 {
		err := watchdog.Watch(*ownerPID, func() { stop <- fmt.Sprintf("owner process %d exited", *ownerPID) })
		if err != nil {
			_ = cmd.Process.Kill()
			fmt.Fprintf(os.Stderr, "supervise: %v\n", err)
			os.Exit(2)
		}
	}

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case why := <-stop:
		fmt.Fprintf(os.Stderr, "supervise: %s: stopping %s (pid %d)\n", why, args[0], cmd.Process.Pid)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err = <-done:
		case <-time.After(*stopTimeout):
			fmt.Fprintf(os.Stderr, "supervise: %s did not stop in %v: killing it\n", args[0], *stopTimeout)
			_ = cmd.Process.Kill()
			err = <-done
		}
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			os.Exit(128 + int(ws.Signal()))
		}
		os.Exit(exit.ExitCode())
	default:
		fmt.Fprintf(os.Stderr, "supervise: %v\n", err)
		os.Exit(1)
	}
}
