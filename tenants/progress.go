package tenants

// Step is one stage of creating or deleting a tenant.
type Step string

// Creation steps, in order, then deletion steps.
const (
	StepDatabase   Step = "database"
	StepUser       Step = "user"
	StepRecords    Step = "records"
	StepMigrations Step = "migrations"
	StepSeed       Step = "seed"

	StepLock         Step = "lock"
	StepDropDatabase Step = "drop database"
	StepDropUser     Step = "drop user"
	StepDeleteRows   Step = "delete records"
)

// CreateSteps lists the creation steps in the order they run.
var CreateSteps = []Step{StepDatabase, StepUser, StepRecords, StepMigrations, StepSeed}

// StepState is where a step stands.
type StepState string

// Step states.
const (
	StepStarted    StepState = "started"
	StepDone       StepState = "done"
	StepSkipped    StepState = "skipped"
	StepFailed     StepState = "failed"
	StepRolledBack StepState = "rolled back"
)

// Progress is one report from a long tenant operation.
type Progress struct {
	Step    Step
	State   StepState
	Message string
}

func (r reporter) send(step Step, state StepState, msg string) {
	if r != nil {
		r(Progress{Step: step, State: state, Message: msg})
	}
}

type reporter func(Progress)
