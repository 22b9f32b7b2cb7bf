package actors

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

type boom struct{}

type parent struct {
	m       *Monitor
	child   *actor.PID
	stopped chan struct{}
}

func (p *parent) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		p.child = ctx.SpawnPrefix(p.m.Props(func() actor.Actor { return &child{} }), "child")
	case *boom:
		ctx.Send(p.child, &boom{})
	case *actor.Terminated:
		close(p.stopped)
	}
}

type child struct{}

func (c *child) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*boom); ok {
		panic(errors.New("child exploded"))
	}
}

func TestMonitorCountsRestartsAndStopsAfterBudget(t *testing.T) {
	sys, m := NewSystem(slog.New(slog.NewTextHandler(io.Discard, nil)))
	stopped := make(chan struct{})
	props := m.Props(func() actor.Actor { return &parent{m: m, stopped: stopped} },
		actor.WithSupervisor(OneForOne(2, time.Minute)))
	pid, err := sys.Root.SpawnNamed(props, "root")
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Root.Stop(pid)

	for i := 0; i < 3; i++ {
		sys.Root.Send(pid, &boom{})
	}
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("child was not stopped after exhausting its restart budget")
	}

	var childNode *Node
	for _, n := range m.Tree() {
		if n.Parent == "root" {
			n := n
			childNode = &n
		}
	}
	if childNode == nil {
		t.Fatalf("tree has no child of root: %+v", m.Tree())
	}
	if childNode.Restarts != 2 || childNode.Alive {
		t.Errorf("child node = %+v, want 2 restarts and not alive", *childNode)
	}
	if childNode.LastReason != "child exploded" {
		t.Errorf("last reason = %q", childNode.LastReason)
	}
	if got := m.RestartCount(childNode.ID); got != 2 {
		t.Errorf("RestartCount = %d, want 2", got)
	}
	rs := m.DrainRestarts()
	if len(rs) != 3 || rs[2].Directive != "StopDirective" {
		t.Errorf("drained %+v, want 2 restarts then a stop", rs)
	}
	if len(m.DrainRestarts()) != 0 {
		t.Error("second drain returned events again")
	}
}

func TestTreeOrdersChildrenAfterParents(t *testing.T) {
	sys, m := NewSystem(nil)
	stopped := make(chan struct{})
	pid, _ := sys.Root.SpawnNamed(m.Props(func() actor.Actor { return &parent{m: m, stopped: stopped} }), "top")
	defer sys.Root.Stop(pid)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		tree := m.Tree()
		if len(tree) >= 2 {
			if tree[0].ID != "top" || tree[1].Parent != "top" || tree[1].Depth != 1 {
				t.Fatalf("tree = %+v", tree)
			}
			if tree[0].Received == 0 {
				t.Errorf("parent received no messages: %+v", tree[0])
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("tree never showed the child: %+v", m.Tree())
}
