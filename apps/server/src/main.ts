import { X } from "@corral/contracts";
console.log("ok", X, process.version);
