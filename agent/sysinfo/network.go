package sysinfo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shirou/gopsutil/v3/net"
)

// collectNetwork reports the network interfaces with their addresses, then
// their traffic counters.
func collectNetwork(ctx context.Context, _ *Options) ([]Section, error) {
	ifaces, err := net.InterfacesWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing network interfaces: %w", err)
	}
	sec := Section{Title: "Interfaces"}
	// Interfaces that are up first (those are the ones in use), then by
	// name.
	slices.SortStableFunc(ifaces, func(a, b net.InterfaceStat) int {
		if au, bu := isUp(a), isUp(b); au != bu {
			if au {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(ifaces) > MaxInterfaces {
		sec.Note = fmt.Sprintf("Showing %d of %d interfaces.", MaxInterfaces, len(ifaces))
		ifaces = ifaces[:MaxInterfaces]
	}
	t := &Table{Columns: []string{"Interface", "Status", "MAC address", "MTU", "Flags", "Addresses"}}
	for _, in := range ifaces {
		status := "down"
		if isUp(in) {
			status = "up"
		}
		t.Rows = append(t.Rows, []string{
			in.Name, status, orDash(in.HardwareAddr), strconv.Itoa(in.MTU),
			orDash(strings.Join(in.Flags, ",")), orDash(addrs(in.Addrs)),
		})
	}
	sec.Table = t

	traffic := Section{Title: "Traffic since start-up"}
	counters, err := net.IOCountersWithContext(ctx, true)
	if err != nil {
		traffic.Note = fmt.Sprintf("Traffic counters could not be read: %v", err)
		return []Section{sec, traffic}, nil
	}
	// Only the interfaces listed above, in the same order.
	byName := make(map[string]net.IOCountersStat, len(counters))
	for _, c := range counters {
		byName[c.Name] = c
	}
	ct := &Table{Columns: []string{"Interface", "Received", "Sent", "Packets in", "Packets out", "Errors in", "Errors out", "Dropped in", "Dropped out"}}
	for _, in := range ifaces {
		c, ok := byName[in.Name]
		if !ok {
			continue
		}
		ct.Rows = append(ct.Rows, []string{
			c.Name, formatBytes(c.BytesRecv), formatBytes(c.BytesSent),
			formatCount(c.PacketsRecv), formatCount(c.PacketsSent),
			formatCount(c.Errin), formatCount(c.Errout),
			formatCount(c.Dropin), formatCount(c.Dropout),
		})
	}
	if len(ct.Rows) > 0 {
		traffic.Table = ct
	} else {
		traffic.Note = "No traffic counters reported."
	}
	return []Section{sec, traffic}, nil
}

func isUp(in net.InterfaceStat) bool {
	return slices.Contains(in.Flags, "up")
}

// addrs joins an interface's addresses (CIDR notation), at most MaxAddrs.
func addrs(list net.InterfaceAddrList) string {
	out := make([]string, 0, min(len(list), MaxAddrs))
	for i, a := range list {
		if i == MaxAddrs {
			out = append(out, fmt.Sprintf("(+%d more)", len(list)-MaxAddrs))
			break
		}
		out = append(out, a.Addr)
	}
	return strings.Join(out, ", ")
}
