// Command admission-cost measures the CEL cost the API server charges for the Workspace admission policy, with
// the API server's own admission code (k8s.io/apiserver v0.35.4, the version of the test cluster): the policy
// compiled as the ValidatingAdmissionPolicy plugin compiles it, evaluated on each case as a request is.
//
// Input (stdin, JSON): {"policy": <ValidatingAdmissionPolicy>, "params": <KaitoCatalog>, "cases": [{"name",
// "operation", "object", "oldObject", "allowed"}]}. Output (stdout): one JSON line per case.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/cel/environment"
)

type testCase struct {
	Name      string                 `json:"name"`
	Operation string                 `json:"operation"`
	Object    map[string]interface{} `json:"object"`
	OldObject map[string]interface{} `json:"oldObject"`
	Allowed   bool                   `json:"allowed"`
}

type input struct {
	Policy admissionregistrationv1.ValidatingAdmissionPolicy `json:"policy"`
	Params map[string]interface{}                            `json:"params"`
	Cases  []testCase                                        `json:"cases"`
}

type result struct {
	Name string `json:"name"`
	// Cost of the match conditions (budget: RuntimeCELCostBudgetMatchConditions).
	MatchCost int64 `json:"matchCost"`
	// Cost of the variables and validations, then of the message expressions, against RuntimeCELCostBudget.
	ValidationCost int64 `json:"validationCost"`
	MessageCost    int64 `json:"messageCost"`
	// The most one validation costs alone, with the variables it reads (each expression: PerCallLimit).
	MaxExpressionCost int64    `json:"maxExpressionCost"`
	Denied            []string `json:"denied"`
	Errors            []string `json:"errors"`
}

type fixedAuthorizer bool

func (a fixedAuthorizer) Authorize(context.Context, authorizer.Attributes) (authorizer.Decision, string, error) {
	if a {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionDeny, "", nil
}

var optionalVars = cel.OptionalVariableDeclarations{HasParams: true, HasAuthorizer: true}
var messageVars = cel.OptionalVariableDeclarations{HasParams: true, HasAuthorizer: false}

func compiler(policy *admissionregistrationv1.ValidatingAdmissionPolicy) *cel.CompositedCompiler {
	env, err := cel.NewCompositionEnv(cel.VariablesTypeName, environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	if err != nil {
		panic(err)
	}
	c := cel.NewCompositedCompilerFromTemplate(env)
	variables := make([]cel.NamedExpressionAccessor, len(policy.Spec.Variables))
	for i, v := range policy.Spec.Variables {
		variables[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
	}
	c.CompileAndStoreVariables(variables, optionalVars, environment.StoredExpressions)
	return c
}

func validations(vs []admissionregistrationv1.Validation) ([]cel.ExpressionAccessor, []cel.ExpressionAccessor) {
	conditions := make([]cel.ExpressionAccessor, len(vs))
	messages := make([]cel.ExpressionAccessor, len(vs))
	for i, v := range vs {
		conditions[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message}
		messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
	}
	return conditions, messages
}

func run(in *input, tc testCase) result {
	out := result{Name: tc.Name, Denied: []string{}, Errors: []string{}}
	gvk := schema.GroupVersionKind{Group: "kaito.sh", Version: "v1beta1", Kind: "Workspace"}
	gvr := schema.GroupVersionResource{Group: "kaito.sh", Version: "v1beta1", Resource: "workspaces"}
	obj := &unstructured.Unstructured{Object: tc.Object}
	var old *unstructured.Unstructured
	if tc.OldObject != nil {
		old = &unstructured.Unstructured{Object: tc.OldObject}
	}
	ns := "team"
	userInfo := &user.DefaultInfo{Name: "system:serviceaccount:team:author"}
	var attrs admission.Attributes
	if old != nil {
		attrs = admission.NewAttributesRecord(obj, old, gvk, ns, obj.GetName(), gvr, "", admission.Operation(tc.Operation), &metav1.UpdateOptions{}, true, userInfo)
	} else {
		attrs = admission.NewAttributesRecord(obj, nil, gvk, ns, obj.GetName(), gvr, "", admission.Operation(tc.Operation), &metav1.CreateOptions{}, true, userInfo)
	}
	versioned := &admission.VersionedAttributes{Attributes: attrs, VersionedKind: gvk, VersionedObject: obj}
	if old != nil {
		versioned.VersionedOldObject = old
	}
	request := cel.CreateAdmissionRequest(attrs, metav1.GroupVersionResource(gvr), metav1.GroupVersionKind(gvk))
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	params := &unstructured.Unstructured{Object: in.Params}
	bindings := cel.OptionalVariableBindings{VersionedParams: params, Authorizer: fixedAuthorizer(tc.Allowed)}
	ctx := context.Background()

	if len(in.Policy.Spec.MatchConditions) > 0 {
		conditions := make([]cel.ExpressionAccessor, len(in.Policy.Spec.MatchConditions))
		for i := range in.Policy.Spec.MatchConditions {
			conditions[i] = (*matchconditions.MatchCondition)(&in.Policy.Spec.MatchConditions[i])
		}
		evaluator := compiler(&in.Policy).CompileCondition(conditions, optionalVars, environment.StoredExpressions)
		results, remaining, err := evaluator.ForInput(ctx, versioned, request, bindings, namespace, celconfig.RuntimeCELCostBudgetMatchConditions)
		out.MatchCost = celconfig.RuntimeCELCostBudgetMatchConditions - remaining
		if err != nil {
			out.Errors = append(out.Errors, "match: "+err.Error())
		}
		for _, r := range results {
			if r.Error != nil {
				out.Errors = append(out.Errors, "match: "+r.Error.Error())
			}
		}
	}

	conditions, messages := validations(in.Policy.Spec.Validations)
	c := compiler(&in.Policy)
	evaluator := c.CompileCondition(conditions, optionalVars, environment.StoredExpressions)
	messageEvaluator := c.CompileCondition(messages, messageVars, environment.StoredExpressions)
	results, remaining, err := evaluator.ForInput(ctx, versioned, request, bindings, namespace, celconfig.RuntimeCELCostBudget)
	out.ValidationCost = celconfig.RuntimeCELCostBudget - remaining
	if err != nil {
		out.Errors = append(out.Errors, err.Error())
	}
	messageResults, afterMessages, err := messageEvaluator.ForInput(ctx, versioned, request, cel.OptionalVariableBindings{VersionedParams: params}, namespace, remaining)
	out.MessageCost = remaining - afterMessages
	if err != nil {
		out.Errors = append(out.Errors, "messages: "+err.Error())
	}
	for i, r := range results {
		if r.Error != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("validation %d: %v", i, r.Error))
			continue
		}
		if r.EvalResult != nil && r.EvalResult.Value() == false {
			message := in.Policy.Spec.Validations[i].Message
			if i < len(messageResults) && messageResults[i].Error == nil && messageResults[i].EvalResult != nil {
				if s, ok := messageResults[i].EvalResult.Value().(string); ok {
					message = s
				}
			}
			out.Denied = append(out.Denied, message)
		}
	}

	// Each validation alone, with a fresh composition: its own cost and that of the variables it reads.
	for i := range conditions {
		single := compiler(&in.Policy).CompileCondition(conditions[i:i+1], optionalVars, environment.StoredExpressions)
		_, left, _ := single.ForInput(ctx, versioned, request, bindings, namespace, celconfig.RuntimeCELCostBudget)
		if cost := celconfig.RuntimeCELCostBudget - left; cost > out.MaxExpressionCost {
			out.MaxExpressionCost = cost
		}
	}
	return out
}

func main() {
	var in input
	// As the API server decodes objects: whole numbers are int64, others float64.
	data, err := io.ReadAll(os.Stdin)
	if err == nil {
		err = utiljson.Unmarshal(data, &in)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "admission-cost: reading the input:", err)
		os.Exit(2)
	}
	encoder := json.NewEncoder(os.Stdout)
	for _, tc := range in.Cases {
		if err := encoder.Encode(run(&in, tc)); err != nil {
			fmt.Fprintln(os.Stderr, "admission-cost:", err)
			os.Exit(1)
		}
	}
}
