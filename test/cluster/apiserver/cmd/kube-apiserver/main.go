// Command kube-apiserver is the upstream Kubernetes API server with one
// addition for test clusters: --watch-pid=PID makes it shut down (gracefully,
// then forcibly) when the process that owns the test cluster exits.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // CronJob time zones, as in the upstream binary

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kube-apiserver/app"

	"kaito-constructs/testcluster/internal/watchdog"
)

// forcedExitAfter bounds the graceful shutdown that follows the owner's exit.
const forcedExitAfter = 15 * time.Second

// splitWatchPID removes --watch-pid=N (or --watch-pid N) from args and
// returns the remaining arguments and N (0 when absent).
func splitWatchPID(args []string) ([]string, int, error) {
	rest := make([]string, 0, len(args))
	pid := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		switch {
		case strings.HasPrefix(a, "--watch-pid="):
			v = strings.TrimPrefix(a, "--watch-pid=")
		case a == "--watch-pid" && i+1 < len(args):
			i++
			v = args[i]
		default:
			rest = append(rest, a)
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, 0, fmt.Errorf("--watch-pid: want a positive integer, got %q", v)
		}
		pid = n
	}
	return rest, pid, nil
}

func main() {
	args, ownerPID, err := splitWatchPID(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Our own session: no controlling terminal, no SIGHUP from it, and no
	// signal aimed at the launching shell's process group reaches us.
	_, _ = syscall.Setsid()

	command := app.NewAPIServerCommand()
	command.SetArgs(args)
	if ownerPID > 0 {
		err := watchdog.Watch(ownerPID, func() {
			fmt.Fprintf(os.Stderr, "owner process %d exited: shutting down\n", ownerPID)
			// The command's signal handler turns SIGTERM into a graceful stop.
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
			time.Sleep(forcedExitAfter)
			fmt.Fprintln(os.Stderr, "graceful shutdown took too long: exiting")
			os.Exit(3)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	os.Exit(cli.Run(command))
}
