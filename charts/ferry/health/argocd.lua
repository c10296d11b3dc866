-- Argo CD health of every Ferry kind (Dataset, TrainingJob, ModelVersion,
-- InferenceService, DriftMonitor), read from the conditions they all write: kstatus's
-- Ready, Reconciling and Stalled, and the kinds' own Rejected, Degraded, Progressing
-- and Validated. A DriftMonitor's Drifted is a finding about live data, not a fault of
-- the object: a drifted monitor stays Healthy, with the drift as its message. Written in
-- the Lua 5.1 that Argo CD runs (gopher-lua); tested with
-- Lua 5.4 on objects a real operator wrote.
local hs = { status = "Progressing", message = "Waiting for Ferry to reconcile" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and obj.status.observedGeneration ~= generation then
  hs.message = "Waiting for Ferry to observe generation " .. tostring(generation)
  return hs
end

local function describe(condition)
  local text = condition.type .. " " .. tostring(condition.reason or "")
  if condition.message ~= nil and condition.message ~= "" then
    text = text .. ": " .. condition.message
  end
  return text
end

local function find(types, status)
  for _, condition in ipairs(obj.status.conditions) do
    if condition.status == status then
      for _, wanted in ipairs(types) do
        if condition.type == wanted then
          return condition
        end
      end
    end
  end
  return nil
end

-- True means the user must act (Stalled), or what is declared cannot be rolled out.
local failing = find({ "Stalled", "Rejected", "Degraded" }, "True")
if failing ~= nil then
  return { status = "Degraded", message = describe(failing) }
end
-- Work in progress: a training run, a canary under analysis, a retry.
local working = find({ "Reconciling", "Progressing" }, "True")
if working ~= nil then
  return { status = "Progressing", message = describe(working) }
end
local ready = find({ "Ready" }, "True")
if ready ~= nil then
  return { status = "Healthy", message = describe(find({ "Drifted" }, "True") or ready) }
end
local waiting = find({ "Ready" }, "False")
if waiting ~= nil then
  return { status = "Progressing", message = describe(waiting) }
end
return hs
