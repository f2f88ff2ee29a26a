package cmd

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/resolver"
)

// resolverFlags are the flags of every verb that asks DNS.
type resolverFlags struct {
	servers []string
	workers int
	qps     float64
	timeout time.Duration
	retries int
}

func (a *App) addResolverFlags(c *cobra.Command, rf *resolverFlags) {
	fl := c.Flags()
	fl.StringSliceVar(&rf.servers, "resolver", nil, "resolver HOST[:PORT] (repeatable; default: resolvers: in the config or RDNSCTL_RESOLVERS, else /etc/resolv.conf, said on stderr)")
	fl.IntVar(&rf.workers, "workers", fcrdns.DefaultWorkers, "addresses checked at once")
	fl.Float64Var(&rf.qps, "qps", 0, "global limit of queries per second (0: none)")
	fl.DurationVar(&rf.timeout, "timeout", 2*time.Second, "time to wait for one answer")
	fl.IntVar(&rf.retries, "retries", 2, "times a query is sent again (with backoff) after a timeout, SERVFAIL or REFUSED")
}

// closingResolver is a resolver that must be closed.
type closingResolver interface {
	resolver.Resolver
	Close() error
}

func (a *App) newResolver(rf *resolverFlags) (closingResolver, error) {
	servers := rf.servers
	if len(servers) == 0 {
		servers = a.cfg.Resolvers
	}
	if len(servers) == 0 {
		// Never silently: the user may not want queries to go there.
		systemResolvConf := a.ResolvConf
		if systemResolvConf == "" {
			systemResolvConf = "/etc/resolv.conf"
		}
		sys, err := resolver.ServersFromResolvConf(systemResolvConf)
		if err != nil {
			return nil, usageErrorf("no resolver configured (--resolver, RDNSCTL_RESOLVERS or resolvers: in the config) and none in %s: %v", systemResolvConf, err)
		}
		fmt.Fprintf(a.IO.ErrOut, "note: no resolver configured (--resolver, RDNSCTL_RESOLVERS or resolvers: in the config); using the system's from %s: %s\n",
			systemResolvConf, strings.Join(sys, ", "))
		servers = sys
	}
	retries := rf.retries
	if retries == 0 {
		retries = -1
	}
	c, err := resolver.New(resolver.Config{Servers: servers, Timeout: rf.timeout, Retries: retries, QPS: rf.qps})
	if err != nil {
		return nil, usageErrorf("resolver: %v", err)
	}
	return c, nil
}

// validator checks that a name resolves back to the address (FCrDNS).
func (a *App) validator(ctx context.Context, r resolver.Resolver) func(netip.Addr, string) error {
	return func(addr netip.Addr, name string) error {
		return fcrdns.ValidateForward(ctx, r, addr, name)
	}
}
