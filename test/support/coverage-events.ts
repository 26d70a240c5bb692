import type { HrEvent } from "@hrvend/schemas";

/** Hand-made events for coverage tests (valid by the contract; tokens are 22 base64url characters). */
export function coverageEvents(prisonId: string, timeZone = "Europe/Chisinau") {
  let seq = 0;
  const machine = `${prisonId}-m1`;
  const office = (kind: string, time: string, body: Record<string, unknown>) =>
    ({ v: 1, prisonId, sourceId: `${prisonId}-reg`, seq: ++seq, time, kind, ...body }) as unknown as HrEvent;
  return {
    token: (n: number) => `card${String(n).padStart(18, "0")}`,
    client: (n: number) => `oatc${String(n).padStart(18, "0")}`,
    refPrison: (time: string, injectingPrevalence = 0.2, opioidDependencePrevalence = 0.1) =>
      office("ref_prison", time, {
        name: `Prison ${prisonId}`,
        timeZone,
        capacity: 500,
        injectingPrevalence,
        opioidDependencePrevalence,
        oatCapacity: 40,
      }),
    refItem: (time: string, itemId: string, category: string, syringesPerUnit: number) =>
      ({
        v: 1,
        prisonId: "programme",
        sourceId: `${prisonId}-items`,
        seq: ++seq,
        time,
        kind: "ref_item",
        itemId,
        name: itemId,
        category,
        syringesPerUnit,
        tracksLots: false,
      }) as unknown as HrEvent,
    dispense: (deviceTime: string, cardToken: string, itemId = "kit", quantity = 1) =>
      ({
        v: 1,
        prisonId,
        machineId: machine,
        seq: ++seq,
        deviceTime,
        kind: "dispense",
        slotId: "s1",
        itemId,
        cardToken,
        quantity,
        stockAfter: 10,
      }) as unknown as HrEvent,
    census: (time: string, date: string, population: number, releases = 1) =>
      office("census", time, { date, population, admissions: 1, releases }),
    oat: (time: string, clientToken: string, action: "enrol" | "discharge") =>
      office("oat", time, {
        clientToken,
        action,
        medicine: "methadone",
        ...(action === "enrol" ? { doseMg: 80 } : { dischargeReason: "completed" }),
      }),
  };
}
