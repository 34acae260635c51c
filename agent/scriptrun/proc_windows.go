//go:build windows

package scriptrun

import (
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"

	"lifeline/shared/scripttype"
)

// prepare starts the script suspended, so that it is in its job object
// before it can start anything, and without a console window popping up
// on the customer's screen: its output goes to the CSR.
//
// cmd parses its command line by rules of its own: with /s it drops the
// first and the last quote of what follows /c and runs the rest as it is,
// so the quoted script path is wrapped in one more pair of quotes, which
// keeps spaces, parentheses and & in folder names harmless (a % still
// expands, as it does in any cmd command line).
func prepare(cmd *exec.Cmd, in scripttype.Interpreter, scriptPath string) {
	attr := &syscall.SysProcAttr{CreationFlags: windows.CREATE_SUSPENDED | windows.CREATE_NO_WINDOW}
	if in.Name == "cmd" {
		args := append([]string{cmd.Path}, in.Command[1:]...)
		// A Windows path cannot hold a quote, so quoting it is enough.
		attr.CmdLine = windows.ComposeCommandLine(args) + ` ""` + scriptPath + `""`
	}
	cmd.SysProcAttr = attr
}

// processTree is a started script and what it starts: a job object that
// kills them all when it is terminated or closed. When the job cannot be
// made, taskkill /T ends the tree by parentage instead.
type processTree struct {
	job windows.Handle // 0 without a job
	pid int
}

func startTree(cmd *exec.Cmd) (processTree, error) {
	if err := cmd.Start(); err != nil {
		return processTree{}, err
	}
	t := processTree{pid: cmd.Process.Pid}
	job, err := newKillingJob()
	if err == nil {
		err = assign(job, t.pid)
		if err != nil {
			windows.CloseHandle(job)
		} else {
			t.job = job
		}
	}
	// Without a job the script still runs; taskkill will stop its tree.
	if rerr := resume(t.pid); rerr != nil {
		t.kill()
		_ = cmd.Wait()
		t.release()
		return processTree{}, fmt.Errorf("the script could not be resumed: %w", rerr)
	}
	return t, nil
}

func newKillingJob() (windows.Handle, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, err
	}
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, err
	}
	return job, nil
}

func assign(job windows.Handle, pid int) error {
	p, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return err
	}
	defer windows.CloseHandle(p)
	return windows.AssignProcessToJobObject(job, p)
}

// resume starts the threads of a process started suspended (just its
// first one): os/exec does not hand out the thread's handle.
func resume(pid int) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(snap)
	entry := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := false
	for err = windows.Thread32First(snap, &entry); err == nil; err = windows.Thread32Next(snap, &entry) {
		if entry.OwnerProcessID != uint32(pid) {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, entry.ThreadID)
		if err != nil {
			return err
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return err
		}
		resumed = true
	}
	if !resumed {
		return fmt.Errorf("no thread of process %d was found", pid)
	}
	return nil
}

// terminate is kill: Windows has no polite signal for a console
// program without a console.
func (t processTree) terminate() { t.kill() }

func (t processTree) kill() {
	if t.job != 0 {
		_ = windows.TerminateJobObject(t.job, 1)
		return
	}
	_ = exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(t.pid)).Run()
}

// release closes the job, which kills whatever is left in it.
func (t processTree) release() {
	if t.job != 0 {
		windows.CloseHandle(t.job)
	}
}
