// Command etcd runs a single-member etcd, embedded at the version that the
// Kubernetes API server of this module is built against, for test clusters.
// It listens on loopback only, never fsyncs, and with --watch-pid exits when
// the process that owns the test cluster exits.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"

	"kaito-constructs/testcluster/internal/watchdog"
)

const (
	closeTimeout   = 10 * time.Second
	outliveTimeout = 20 * time.Second
)

// readPIDFile returns the PID in path, or 0 when path is empty, missing or not a PID.
func readPIDFile(path string) int {
	if path == "" {
		return 0
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

func loopbackURL(name, raw string) (url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return url.URL{}, fmt.Errorf("--%s: %w", name, err)
	}
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		return url.URL{}, fmt.Errorf("--%s: want http://127.0.0.1:PORT, got %q", name, raw)
	}
	return *u, nil
}

func run() error {
	dataDir := flag.String("data-dir", "", "directory for the member's data (required)")
	clientURL := flag.String("listen-client-url", "", "client URL, http://127.0.0.1:PORT (required)")
	peerURL := flag.String("listen-peer-url", "", "peer URL, http://127.0.0.1:PORT (required)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	ownerPID := flag.Int("watch-pid", 0, "exit when this process exits (0: never)")
	ephemeral := flag.Bool("remove-data-dir-on-exit", false, "delete --data-dir when etcd exits")
	outlive := flag.String("outlive-pid-file", "",
		"when the --watch-pid process exits, first wait for the process whose PID is in this file "+
			"(the API server) to exit, so that it can shut down cleanly")
	flag.Parse()
	if *dataDir == "" {
		return fmt.Errorf("--data-dir is required")
	}
	cu, err := loopbackURL("listen-client-url", *clientURL)
	if err != nil {
		return err
	}
	pu, err := loopbackURL("listen-peer-url", *peerURL)
	if err != nil {
		return err
	}
	_, _ = syscall.Setsid() // see the kube-apiserver main
	if *ephemeral {
		defer func() { _ = os.RemoveAll(*dataDir) }()
	}

	stop := make(chan string, 2)
	if *ownerPID > 0 {
		err := watchdog.Watch(*ownerPID, func() {
			if pid := readPIDFile(*outlive); pid > 0 && !watchdog.WaitGone(pid, outliveTimeout) {
				fmt.Fprintf(os.Stderr, "process %d still runs after %v\n", pid, outliveTimeout)
			}
			stop <- fmt.Sprintf("owner process %d exited", *ownerPID)
		})
		if err != nil {
			return err
		}
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() { stop <- fmt.Sprintf("received %v", <-signals) }()

	cfg := embed.NewConfig()
	cfg.Name = "test"
	cfg.Dir = *dataDir
	cfg.UnsafeNoFsync = true // test data only: speed over durability
	cfg.LogLevel = *logLevel
	// NewConfig leaves this at 0 (only etcd's flag parsing sets the default), which would log
	// every request as slow.
	cfg.WarningUnaryRequestDuration = embed.DefaultWarningUnaryRequestDuration
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	closeAndWait := func() {
		done := make(chan struct{})
		go func() { e.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(closeTimeout):
			fmt.Fprintln(os.Stderr, "etcd did not close in time")
		}
	}
	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd ready: %s\n", cu.String())
	case reason := <-stop:
		fmt.Fprintf(os.Stderr, "%s before etcd was ready: stopping\n", reason)
		closeAndWait()
		return nil
	case err := <-e.Err():
		closeAndWait()
		return err
	}
	select {
	case reason := <-stop:
		fmt.Fprintf(os.Stderr, "%s: stopping\n", reason)
		closeAndWait()
		return nil
	case err := <-e.Err():
		closeAndWait()
		return err
	}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "etcd:", err)
		os.Exit(1)
	}
}
