package cmd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/api"
	"github.com/rdnsctl/rdnsctl/report"
)

func init() {
	extraCommands = append(extraCommands, (*App).newServeCmd, (*App).newTokenCmd)
}

type serveFlags struct {
	listen         string
	tlsCert        string
	tlsKey         string
	insecureNoAuth bool
	insecureHTTP   bool
	shutdown       time.Duration
	rf             resolverFlags
	// started, when set, receives the listening address (tests).
	started func(addr string)
}

func (a *App) newServeCmd() *cobra.Command {
	var f serveFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP API a provisioning system calls",
		Long: `Serve rdnsctl's HTTP API: set, get, list and unset PTRs, apply lifecycle event
batches, read the journal and check FCrDNS, over the same zones, validation and
write engine as the CLI (zone files, RFC 2136 and PowerDNS zones alike).

Endpoints (errors are RFC 9457 problem documents with a stable "code"):
  POST   /api/v1/ptr           {"ip","hostname","validate_forward":true,"customer","ticket"}
  PUT    /api/v1/ptr/{ip}      the same, idempotent; If-Match with the ETag of GET
  GET    /api/v1/ptr/{ip}      the address's PTRs, default, zone, source; ETag
  GET    /api/v1/ptr?prefix=CIDR&custom=true&limit=&offset=
  DELETE /api/v1/ptr/{ip}      back to the default (or deleted, per deprovision:)
  POST   /api/v1/events        {"events":[...]}: all or nothing; ?dry_run=true for the plan
  GET    /api/v1/log?ip=&since=&limit=
  GET    /api/v1/fcrdns/{ip}
  GET    /livez  /readyz  /metrics  /api/v1/openapi.json

Callers authenticate with a bearer token made by "rdnsctl token add" (the tokens
file, api.tokens_file, holds only SHA-256 hashes; it is read again when it
changes). A token may change only addresses inside its prefixes; read-only
tokens may only read. The token's name is the journal's operator. Without a
tokens file serve refuses to start, unless --insecure-no-auth on a loopback
address. Plain HTTP is allowed on loopback (else --tls-cert/--tls-key, or
--insecure-http).

Writes share the zones lock with the CLI; the zones are read again under the lock
before each write, so an engineer's edit is never overwritten. Requests waiting
at the same moment are applied as one write (one serial bump), each with its own
result and journal lines. SIGTERM or SIGINT: stop accepting, finish the writes in
flight, exit 0.
` + exitStatusHelp,
		Example: `  rdnsctl token add provisioning --prefix 198.51.100.0/24 > token.txt
  rdnsctl serve --listen 127.0.0.1:8053 --config /etc/rdnsctl/rdnsctl.yaml
  curl -H "Authorization: Bearer $(cat token.txt)" -d '{"ip":"198.51.100.44","hostname":"mail.ourcorp.com"}' http://127.0.0.1:8053/api/v1/ptr`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return a.runServe(&f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.listen, "listen", "", "address to listen on (config api.listen; default 127.0.0.1:8053)")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file")
	fl.StringVar(&f.tlsKey, "tls-key", "", "TLS key file")
	fl.BoolVar(&f.insecureNoAuth, "insecure-no-auth", false, "serve without tokens (loopback addresses only)")
	fl.BoolVar(&f.insecureHTTP, "insecure-http", false, "plain HTTP on a non-loopback address")
	fl.DurationVar(&f.shutdown, "shutdown-timeout", 10*time.Second, "on SIGTERM, how long to wait for the requests in flight (a write still waiting for the zones lock then gives up: 503, nothing written)")
	a.addResolverFlags(c, &f.rf)
	return c
}

func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *App) runServe(f *serveFlags) error {
	if err := a.absPaths(); err != nil {
		return err
	}
	listen := f.listen
	if listen == "" {
		listen = a.cfg.API.Listen
	}
	if listen == "" {
		listen = "127.0.0.1:8053"
	}
	loop := isLoopback(listen)
	var tokens *api.Tokens
	switch {
	case a.cfg.API.TokensFile != "":
		t, err := api.ReadTokens(a.cfg.API.TokensFile)
		if err != nil {
			return usageErrorf("api.tokens_file: %v (make one with rdnsctl token add)", err)
		}
		if st, err := os.Stat(a.cfg.API.TokensFile); err == nil && st.Mode().Perm()&0o077 != 0 {
			a.warn(fmt.Sprintf("serve: %s is readable by others (mode %04o): chmod 600 it", a.cfg.API.TokensFile, st.Mode().Perm()))
		}
		tokens = t
	case f.insecureNoAuth && loop:
		a.warn("serve: no authentication (--insecure-no-auth): every local process may change PTRs")
	case f.insecureNoAuth:
		return usageErrorf("--insecure-no-auth is only allowed on a loopback address, not %s", listen)
	default:
		return usageErrorf("no tokens file: set api.tokens_file and make tokens with rdnsctl token add (or --insecure-no-auth on loopback)")
	}
	useTLS := f.tlsCert != "" || f.tlsKey != ""
	if useTLS && (f.tlsCert == "" || f.tlsKey == "") {
		return usageErrorf("--tls-cert and --tls-key go together")
	}
	if !useTLS && !loop {
		if !f.insecureHTTP {
			return usageErrorf("plain HTTP on %s, which is not loopback: give --tls-cert/--tls-key, or --insecure-http", listen)
		}
		a.warn("serve: plain HTTP on " + listen + " (--insecure-http): tokens cross the network in clear")
	}
	r, err := a.newResolver(&f.rf)
	if err != nil {
		return err
	}
	defer r.Close()
	timeout := f.rf.timeout * time.Duration(max(1, f.rf.retries+1)) * 2
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	svc, err := newAPIService(a, r, timeout)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(a.IO.ErrOut, nil))
	h := api.New(svc, api.Options{Tokens: tokens, RateLimit: a.cfg.API.RateLimit, Burst: a.cfg.API.Burst, Log: logger})
	svc.rcodes = h.Metrics().Rcodes
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return usageErrorf("listen %s: %v", listen, err)
	}
	if useTLS {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			ln.Close()
			return usageErrorf("TLS: %v", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	ctx, stop := signal.NotifyContext(a.context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	fmt.Fprintf(a.IO.ErrOut, "rdnsctl serve: listening on %s://%s\n", scheme, ln.Addr())
	if f.started != nil {
		f.started(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		svc.Close()
		return err
	case <-ctx.Done():
	}
	fmt.Fprintf(a.IO.ErrOut, "rdnsctl serve: stopping: finishing the requests in flight\n")
	// most of the time to finish, the rest for the writes that could not
	// start (the zones lock held elsewhere) to give up and be answered
	grace := max(f.shutdown, 100*time.Millisecond)
	sctx, cancel := context.WithTimeout(context.Background(), grace*9/10)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		svc.Abort()
		a.warn(fmt.Sprintf("serve: requests still in flight after %v: the writes not yet begun give up", grace*9/10))
		wctx, wcancel := context.WithTimeout(context.Background(), grace/10)
		_ = srv.Shutdown(wctx) // they answer 503
		wcancel()
	}
	svc.Close()
	a.stopped = true
	return nil
}

// absPaths makes the configured paths absolute: a long-running process
// must not depend on its working directory.
func (a *App) absPaths() error {
	abs := func(p *string) error {
		if *p == "" || *p == "-" || filepath.IsAbs(*p) {
			return nil
		}
		v, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = v
		return nil
	}
	for i := range a.cfg.Zones {
		if err := abs(&a.cfg.Zones[i].Path); err != nil {
			return err
		}
	}
	paths := []*string{&a.cfg.Journal, &a.cfg.ZonesConf, &a.cfg.API.TokensFile}
	for i := range a.cfg.IPAM {
		paths = append(paths, &a.cfg.IPAM[i])
	}
	for _, p := range paths {
		if err := abs(p); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) newTokenCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "token",
		Short: "Manage the API's bearer tokens (api.tokens_file)",
		Long:  "Manage the bearer tokens of the HTTP API (api.tokens_file in the config): add, list, revoke.\n" + exitStatusHelp,
		Example: `  rdnsctl token add hosting --prefix 203.0.113.0/24 --prefix 2001:db8:200::/48
  rdnsctl token list
  rdnsctl token revoke hosting`,
		Args: cobra.NoArgs,
	}
	var prefixes []string
	var readOnly bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Make a token: printed once, alone on stdout; only its SHA-256 is stored",
		Long: `Make a new random token for NAME. It is printed once, alone on stdout, so that
a script can capture it; the tokens file (mode 0600) keeps only its SHA-256 hash,
the name and the scope. Without --prefix the token may change every address.
` + exitStatusHelp,
		Example: `  rdnsctl token add provisioning --prefix 198.51.100.0/24 > /etc/provisioning/rdns.token
  rdnsctl token add noc --read-only`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			path, err := a.tokensFile()
			if err != nil {
				return err
			}
			scope, err := api.ParseScope(prefixes)
			if err != nil {
				return usageErrorf("--prefix: %v", err)
			}
			secret, err := api.AddToken(path, args[0], scope, readOnly, a.Now())
			if err != nil {
				return usageErrorf("%v", err)
			}
			fmt.Fprintln(a.IO.Out, secret)
			return nil
		},
	}
	add.Flags().StringArrayVar(&prefixes, "prefix", nil, "a block the token may change (repeatable; default every address)")
	add.Flags().BoolVar(&readOnly, "read-only", false, "the token may only read")
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the tokens: name, scope, read-only, created",
		Long:    "List the tokens of api.tokens_file: name, scope, read-only, created (never the token).\n" + exitStatusHelp,
		Example: `  rdnsctl token list -o json`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			path, err := a.tokensFile()
			if err != nil {
				return err
			}
			toks, err := api.ListTokens(path)
			if err != nil {
				return inputError(err)
			}
			type row struct {
				Name     string   `json:"name"`
				Prefixes []string `json:"prefixes"`
				ReadOnly bool     `json:"read_only"`
				Created  string   `json:"created"`
			}
			rows := report.Rows{Header: []string{"name", "prefixes", "read_only", "created"}}
			out := []row{}
			for _, t := range toks {
				ps := []string{}
				for _, p := range t.Prefixes {
					ps = append(ps, p.String())
				}
				out = append(out, row{t.Name, ps, t.ReadOnly, t.Created.Format(time.RFC3339)})
				scope := strings.Join(ps, ",")
				if scope == "" {
					scope = "all"
				}
				rows.Add(t.Name, scope, fmt.Sprint(t.ReadOnly), t.Created.Format(time.RFC3339))
			}
			return a.render(map[string]any{"tokens": out}, rows)
		},
	}
	revoke := &cobra.Command{
		Use:     "revoke NAME",
		Short:   "Remove a token (a running serve stops accepting it at once)",
		Long:    "Remove the token NAME from api.tokens_file; a running serve stops accepting it at once.\n" + exitStatusHelp,
		Example: `  rdnsctl token revoke provisioning`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			path, err := a.tokensFile()
			if err != nil {
				return err
			}
			if err := api.RevokeToken(path, args[0]); err != nil {
				return usageErrorf("%v", err)
			}
			a.info("revoked %s", args[0])
			return nil
		},
	}
	c.AddCommand(add, list, revoke)
	return c
}

func (a *App) tokensFile() (string, error) {
	if a.cfg.API.TokensFile == "" {
		return "", usageErrorf("no tokens file: set api.tokens_file in the config (or RDNSCTL_API_TOKENS_FILE)")
	}
	return a.cfg.API.TokensFile, nil
}
